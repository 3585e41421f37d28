import { inspect } from 'node:util'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { classifyError } from '../../src/classify-error.js'
import { createKmsFetcher } from '../../src/kms/create-kms-fetcher.js'
import { ACCESS_KEY_SECRET, secretBody } from './_kms-fixtures.js'

const HOST = 'http://kms-cred.test'
const request = { secretName: 'db/orders', versionStage: 'ACSCurrent' }

function authOfNextRequest(): () => string | undefined {
  let auth: string | undefined
  nock(HOST)
    .post('/')
    .query(true)
    .reply(function () {
      auth = this.req.headers.authorization
      return [200, secretBody()]
    })
  return () => auth
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => {
  vi.unstubAllEnvs()
  nock.cleanAll()
})
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

describe('credentials', () => {
  it('uses the default chain when no credential is given (env access key)', async () => {
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAIfromEnvChain')
    vi.stubEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', ACCESS_KEY_SECRET)
    const auth = authOfNextRequest()
    await createKmsFetcher({ regionId: 'cn-hangzhou', endpoint: HOST }).fetchSecret(request)
    expect(auth()).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAIfromEnvChain,/)
  })

  it('creates the default chain on the first request, not at construction', async () => {
    for (const name of [
      'ALIBABA_CLOUD_ACCESS_KEY_ID',
      'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      'ALIBABA_CLOUD_ROLE_ARN',
      'ALIBABA_CLOUD_CREDENTIALS_URI',
    ]) {
      vi.stubEnv(name, '')
    }
    vi.stubEnv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true')
    vi.stubEnv('ALIBABA_CLOUD_PROFILE', 'no-such-profile-for-tests')
    const fetcher = createKmsFetcher({ regionId: 'cn-hangzhou', endpoint: HOST })
    // The chain decides at creation whether it has a credentials-URI provider: set the URI only
    // now, so the request can be signed with its key only if the chain was created lazily.
    vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_URI', 'http://creds.test/role')
    nock('http://creds.test')
      .get('/role')
      .reply(200, {
        AccessKeyId: 'STS.fromUri',
        AccessKeySecret: ACCESS_KEY_SECRET,
        SecurityToken: 'uri-token',
        Expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      })
    const auth = authOfNextRequest()
    await fetcher.fetchSecret(request)
    expect(auth()).toMatch(/^ACS3-HMAC-SHA256 Credential=STS\.fromUri,/)
  })

  it('masks secrets that a provider quotes in its error', async () => {
    const credential = {
      async getCredential(): Promise<never> {
        throw new Error(
          `error retrieving credentials from credentialsURI result: {"AccessKeyId":"id","AccessKeySecret":"${ACCESS_KEY_SECRET}"}.`,
        )
      },
    }
    const err = classifyError(
      await createKmsFetcher({ endpoint: HOST, credential })
        .fetchSecret(request)
        .catch((e: unknown) => e),
    )
    expect(err.code).toBe('INVALID_CONFIG')
    expect(inspect(err, { depth: 10 })).not.toContain(ACCESS_KEY_SECRET)
    expect((err.cause as Error).message).toContain('"AccessKeySecret":"******"')
  })

  it('asks a Credential-like provider once per request', async () => {
    let calls = 0
    const credential = {
      async getCredential() {
        calls++
        return { accessKeyId: `LTAI${calls}`, accessKeySecret: ACCESS_KEY_SECRET }
      },
    }
    const fetcher = createKmsFetcher({ endpoint: HOST, credential })
    const first = authOfNextRequest()
    await fetcher.fetchSecret(request)
    const second = authOfNextRequest()
    await fetcher.fetchSecret(request)
    expect(calls).toBe(2)
    expect(first()).toContain('Credential=LTAI1,')
    expect(second()).toContain('Credential=LTAI2,')
  })

  it('a failing provider is INVALID_CONFIG (not retried, no failover) and sends nothing', async () => {
    const scope = nock(HOST).post('/').query(true).reply(200, secretBody())
    const credential = {
      async getCredential(): Promise<never> {
        throw new Error('unable to get credentials from any of the providers in the chain')
      },
    }
    const err = classifyError(
      await createKmsFetcher({ endpoint: HOST, credential })
        .fetchSecret(request)
        .catch((e: unknown) => e),
    )
    expect(err.code).toBe('INVALID_CONFIG')
    expect(err.retryable).toBe(false)
    expect(err.message).toMatch(/^credential:/)
    expect((err.cause as Error).message).toContain('providers in the chain')
    expect(scope.isDone()).toBe(false)
  })

  it('a provider returning no key is INVALID_CONFIG without echoing what it returned', async () => {
    const credential = {
      getCredential: async () => ({ accessKeyId: '', accessKeySecret: ACCESS_KEY_SECRET }),
    }
    const err = classifyError(
      await createKmsFetcher({ endpoint: HOST, credential })
        .fetchSecret(request)
        .catch((e: unknown) => e),
    )
    expect(err.code).toBe('INVALID_CONFIG')
    expect(inspect(err, { depth: 10 })).not.toContain(ACCESS_KEY_SECRET)
  })
})
