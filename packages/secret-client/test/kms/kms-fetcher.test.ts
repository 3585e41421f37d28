import { inspect } from 'node:util'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { classifyError } from '../../src/classify-error.js'
import { SecretClientError } from '../../src/errors.js'
import { createKmsFetcher } from '../../src/kms/create-kms-fetcher.js'
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  acs3SignatureValid,
  errorBody,
  queryOf,
  secretBody,
} from './_kms-fixtures.js'

const HOST = 'http://kms.test'
const credential = { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET }

function fetcher(extra: Parameters<typeof createKmsFetcher>[0] = {}) {
  return createKmsFetcher({ regionId: 'cn-hangzhou', endpoint: HOST, credential, ...extra })
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

beforeAll(() => {
  nock.disableNetConnect()
})
afterEach(() => {
  nock.abortPendingRequests()
  nock.cleanAll()
})
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

describe('createKmsFetcher over the official openapi-client', () => {
  it('sends a signed GetSecretValue with FetchExtendedConfig and maps every field', async () => {
    let seen: { query: Record<string, string>; headers: Record<string, unknown> } | undefined
    let signatureValid = false
    nock(HOST)
      .post('/')
      .query(true)
      .reply(function (path) {
        const query = queryOf(path)
        seen = { query, headers: this.req.headers }
        signatureValid =
          acs3SignatureValid('POST', query, this.req.headers, ACCESS_KEY_SECRET) &&
          !acs3SignatureValid('POST', query, this.req.headers, 'another-secret') &&
          !acs3SignatureValid(
            'POST',
            { ...query, VersionStage: 'x' },
            this.req.headers,
            ACCESS_KEY_SECRET,
          )
        return [200, secretBody()]
      })

    const record = await fetcher().fetchSecret({
      secretName: 'db/orders',
      versionStage: 'ACSCurrent',
    })

    expect(seen?.query).toEqual({
      SecretName: 'db/orders',
      VersionStage: 'ACSCurrent',
      FetchExtendedConfig: 'true',
    })
    expect(seen?.headers['x-acs-action']).toBe('GetSecretValue')
    expect(seen?.headers['x-acs-version']).toBe('2016-01-20')
    expect(seen?.headers.host).toBe('kms.test')
    expect(seen?.headers.authorization).toMatch(
      new RegExp(
        `^ACS3-HMAC-SHA256 Credential=${ACCESS_KEY_ID},SignedHeaders=.*host.*x-acs-action`,
      ),
    )
    expect(signatureValid).toBe(true)
    expect(record).toEqual({
      secretName: 'db/orders',
      versionId: 'v-0002',
      secretValue: '{"AccountName":"orders","AccountPassword":"s3cr3t-P4ss"}',
      secretDataType: 'text',
      versionStages: ['ACSCurrent'],
      secretType: 'Rds',
      createTime: '2026-11-23T08:00:01Z',
      automaticRotation: 'Enabled',
      rotationInterval: '604800s',
      nextRotationDate: '2026-11-30T08:00:00Z',
      lastRotationDate: '2026-11-23T08:00:00Z',
      extendedConfig:
        '{"SecretSubType":"SingleUser","DBInstanceId":"rm-bp1abc","CustomData":{"env":"prod"}}',
      requestId: 'req-ok-1',
    })
  })

  it('sends an STS security token with the access key', async () => {
    let token: unknown
    let signatureValid = false
    nock(HOST)
      .post('/')
      .query(true)
      .reply(function (path) {
        token = this.req.headers['x-acs-security-token']
        signatureValid = acs3SignatureValid('POST', queryOf(path), this.req.headers, 'sts-secret')
        return [200, secretBody()]
      })
    const sts = createKmsFetcher({
      endpoint: HOST,
      credential: { accessKeyId: 'STS.id', accessKeySecret: 'sts-secret', securityToken: 'tok' },
    })
    await sts.fetchSecret({ secretName: 'db/orders', versionStage: 'ACSCurrent' })
    expect(token).toBe('tok')
    expect(signatureValid).toBe(true)
  })

  it('reads binary secrets and an ACSPrevious stage', async () => {
    nock(HOST)
      .post('/')
      .query((q) => q.VersionStage === 'ACSPrevious')
      .reply(200, secretBody({ SecretDataType: 'binary', SecretData: 'AAEC', VersionId: 'v-1' }))
    const record = await fetcher().fetchSecret({
      secretName: 'db/orders',
      versionStage: 'ACSPrevious',
    })
    expect(record.secretDataType).toBe('binary')
    expect(record.secretValue).toBe('AAEC')
    expect(record.versionId).toBe('v-1')
  })

  const cases = [
    [429, 'Rejected.Throttling', 'THROTTLED', true],
    [503, 'ServiceUnavailableTemporary', 'KMS_UNAVAILABLE', true],
    [500, 'InternalFailure', 'KMS_UNAVAILABLE', true],
    [404, 'Forbidden.ResourceNotFound', 'SECRET_NOT_FOUND', false],
    [403, 'Forbidden.NoPermission', 'ACCESS_DENIED', false],
    [400, 'InvalidParameter', 'KMS_ERROR', false],
  ] as const
  it.each(cases)('HTTP %i %s → %s', async (status, kmsCode, code, retryable) => {
    nock(HOST).post('/').query(true).reply(status, errorBody(kmsCode, 'req-e-42'))
    const err = await rejection(
      fetcher().fetchSecret({ secretName: 'db/orders', versionStage: 'ACSCurrent' }),
    )
    expect(err).toBeInstanceOf(SecretClientError)
    const classified = classifyError(err)
    expect(classified).toBe(err)
    expect(classified.code).toBe(code)
    expect(classified.kmsCode).toBe(kmsCode)
    expect(classified.requestId).toBe('req-e-42')
    expect(classified.statusCode).toBe(status)
    expect(classified.secretName).toBe('db/orders')
    expect(classified.retryable).toBe(retryable)
    expect(classified.message).not.toContain(ACCESS_KEY_SECRET)
    expect(inspect(classified, { depth: 10 })).not.toContain(ACCESS_KEY_SECRET)
  })

  it.each([
    [503, '{"message":"Service Unavailable"}', 'KMS_UNAVAILABLE', undefined],
    [502, '{"error":"bad gateway"}', 'KMS_UNAVAILABLE', undefined],
    [429, '{"message":"Too Many Requests"}', 'THROTTLED', undefined],
    [
      503,
      '{"Code":"Gateway.Overloaded","Message":"busy"}',
      'KMS_UNAVAILABLE',
      'Gateway.Overloaded',
    ],
    [400, '{"message":"bad request"}', 'KMS_ERROR', undefined],
  ] as const)(
    'HTTP %i with %s (no KMS code, or one KMS does not document) → %s by status',
    async (status, body, code, kmsCode) => {
      nock(HOST).post('/').query(true).reply(status, body, { 'content-type': 'application/json' })
      const err = await rejection(
        fetcher().fetchSecret({ secretName: 'db/orders', versionStage: 'ACSCurrent' }),
      )
      const classified = classifyError(err)
      expect(classified.code).toBe(code)
      expect(classified.kmsCode).toBe(kmsCode)
      expect(classified.statusCode).toBe(status)
      expect(classified.retryable).toBe(code !== 'KMS_ERROR')
    },
  )

  it.each([
    [502, '<html><body>Bad Gateway</body></html>'],
    [200, '{"SecretName":"db/orders","SecretData":"CANARY-cut-off'],
  ])('HTTP %i with a body that is not JSON → retryable, body not quoted', async (status, body) => {
    nock(HOST).post('/').query(true).reply(status, body, { 'content-type': 'text/html' })
    const err = await rejection(
      fetcher().fetchSecret({ secretName: 'db/orders', versionStage: 'ACSCurrent' }),
    )
    const classified = classifyError(err)
    expect(classified.code).toBe('KMS_UNAVAILABLE')
    expect(classified.retryable).toBe(true)
    expect(inspect(classified, { depth: 10 })).not.toMatch(/CANARY|Bad Gateway/)
  })

  it('a single region is not retried by the fetcher (the cache owns retries)', async () => {
    const scope = nock(HOST).post('/').query(true).times(3).reply(503, errorBody('InternalFailure'))
    const err = await rejection(
      fetcher().fetchSecret({ secretName: 'db/orders', versionStage: 'ACSCurrent' }),
    )
    expect(classifyError(err).code).toBe('KMS_UNAVAILABLE')
    expect(scope.pendingMocks()).toHaveLength(1)
  })

  it('maps a connection refused to a retryable KMS_UNAVAILABLE', async () => {
    nock(HOST)
      .post('/')
      .query(true)
      .replyWithError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
    const err = classifyError(
      await rejection(fetcher().fetchSecret({ secretName: 'a', versionStage: 'ACSCurrent' })),
    )
    expect(err.code).toBe('KMS_UNAVAILABLE')
    expect(err.retryable).toBe(true)
  })

  it('maps the SDK read timeout (timeoutMs backstop) to TIMEOUT', async () => {
    nock(HOST).post('/').query(true).delay(2000).reply(200, secretBody())
    const err = classifyError(
      await rejection(
        fetcher({ timeoutMs: 50 }).fetchSecret({ secretName: 'a', versionStage: 'ACSCurrent' }),
      ),
    )
    expect(err.code).toBe('TIMEOUT')
    expect(err.retryable).toBe(true)
  })

  it('rejects a response without VersionId or SecretData as KMS_ERROR without quoting it', async () => {
    nock(HOST)
      .post('/')
      .query(true)
      .reply(200, { SecretName: 'a', SecretData: 'leaky-value', RequestId: 'r1' })
    const err = classifyError(
      await rejection(fetcher().fetchSecret({ secretName: 'a', versionStage: 'ACSCurrent' })),
    )
    expect(err.code).toBe('KMS_ERROR')
    expect(err.requestId).toBe('r1')
    expect(inspect(err, { depth: 10 })).not.toContain('leaky-value')
  })

  it('aborts promptly when the signal fires, with an AbortError', async () => {
    // The server would answer only after a minute; the test timeout is far shorter.
    const controller = new AbortController()
    let reached = false
    nock(HOST)
      .post('/')
      .query(true)
      .delay(60_000)
      .reply(() => {
        reached = true
        controller.abort()
        return [200, secretBody()]
      })
    const err = await rejection(
      fetcher({ timeoutMs: 120_000 }).fetchSecret({
        secretName: 'a',
        versionStage: 'ACSCurrent',
        signal: controller.signal,
      }),
    )
    expect(reached).toBe(true)
    expect((err as Error).name).toBe('AbortError')
    expect(classifyError(err).code).toBe('ABORTED')
  })

  it('rejects with the signal reason when it is a TimeoutError', async () => {
    const controller = new AbortController()
    const reason = new DOMException('attempt timed out', 'TimeoutError')
    nock(HOST)
      .post('/')
      .query(true)
      .delay(60_000)
      .reply(() => {
        controller.abort(reason)
        return [200, secretBody()]
      })
    const err = await rejection(
      fetcher({ timeoutMs: 120_000 }).fetchSecret({
        secretName: 'a',
        versionStage: 'ACSCurrent',
        signal: controller.signal,
      }),
    )
    expect(err).toBe(reason)
    expect(classifyError(err).code).toBe('TIMEOUT')
  })

  it('does not send anything when the signal has already fired', async () => {
    const scope = nock(HOST).post('/').query(true).reply(200, secretBody())
    const err = await rejection(
      fetcher().fetchSecret({
        secretName: 'a',
        versionStage: 'ACSCurrent',
        signal: AbortSignal.abort(),
      }),
    )
    expect((err as Error).name).toBe('AbortError')
    expect(scope.isDone()).toBe(false)
  })

  it('close() rejects calls in flight and later calls with CLOSED', async () => {
    const f = fetcher({ timeoutMs: 120_000 })
    nock(HOST)
      .post('/')
      .query(true)
      .delay(60_000)
      .reply(() => {
        f.close?.()
        return [200, secretBody()]
      })
    const inFlight = await rejection(f.fetchSecret({ secretName: 'a', versionStage: 'ACSCurrent' }))
    expect(classifyError(inFlight).code).toBe('CLOSED')
    const later = await rejection(f.fetchSecret({ secretName: 'a', versionStage: 'ACSCurrent' }))
    expect(classifyError(later).code).toBe('CLOSED')
  })

  it('rejects an empty secret name or stage with INVALID_ARGUMENT, sending nothing', async () => {
    const scope = nock(HOST).post('/').query(true).reply(200, secretBody())
    const f = fetcher()
    for (const bad of [
      { secretName: '', versionStage: 'ACSCurrent' },
      { secretName: 'a', versionStage: '' },
    ]) {
      expect(classifyError(await rejection(f.fetchSecret(bad))).code).toBe('INVALID_ARGUMENT')
    }
    expect(scope.isDone()).toBe(false)
  })

  it('does not show the access key secret in util.inspect or JSON of the fetcher', () => {
    const f = fetcher()
    expect(inspect(f, { depth: 10, showHidden: true })).not.toContain(ACCESS_KEY_SECRET)
    expect(JSON.stringify(f)).not.toContain(ACCESS_KEY_SECRET)
  })
})

describe('createKmsFetcher option validation', () => {
  const bad: [string, Parameters<typeof createKmsFetcher>[0], RegExp][] = [
    ['no region at all', { credential }, /regionId, endpoint or regions/],
    ['bad regionId', { regionId: 'cn hangzhou!' }, /^regionId/],
    ['bad endpoint URL', { endpoint: 'http://exa mple' }, /^endpoint/],
    ['endpoint with a path', { endpoint: 'http://127.0.0.1:4000/kms' }, /^endpoint .*path/],
    ['ftp endpoint', { endpoint: 'ftp://kms.test' }, /^endpoint .*protocol/],
    ['empty regions', { regions: [] }, /^regions must be/],
    ['region without id', { regions: [{ regionId: '' }] }, /^regions\[0\]\.regionId/],
    [
      'bad region endpoint',
      { regions: [{ regionId: 'cn-a' }, { regionId: 'cn-b', endpoint: 'ftp://x' }] },
      /^regions\[1\]\.endpoint/,
    ],
    ['non-PEM ca', { regionId: 'cn-a', ca: 'not a cert' }, /^ca must be PEM/],
    ['zero timeout', { regionId: 'cn-a', timeoutMs: 0 }, /^timeoutMs/],
    [
      'access key without secret',
      { regionId: 'cn-a', credential: { accessKeyId: 'id' } as never },
      /^credential\.accessKeySecret/,
    ],
    ['credential of a wrong type', { regionId: 'cn-a', credential: 'x' as never }, /^credential/],
    ['kmsClient without methods', { kmsClient: {} }, /^kmsClient has no/],
  ]
  it.each(bad)('%s → INVALID_CONFIG naming the option', (_, options, message) => {
    let thrown: unknown
    try {
      createKmsFetcher(options)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(SecretClientError)
    expect((thrown as SecretClientError).code).toBe('INVALID_CONFIG')
    expect((thrown as Error).message).toMatch(message)
  })

  it('never echoes an access key secret in a validation error', () => {
    let thrown: unknown
    try {
      createKmsFetcher({
        regionId: 'cn-a',
        credential: { accessKeyId: '', accessKeySecret: ACCESS_KEY_SECRET },
      })
    } catch (err) {
      thrown = err
    }
    expect((thrown as SecretClientError).code).toBe('INVALID_CONFIG')
    expect(inspect(thrown, { depth: 10 })).not.toContain(ACCESS_KEY_SECRET)
  })
})
