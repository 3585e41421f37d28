import * as kms from '@alicloud/kms20160120'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { classifyError } from '../../src/classify-error.js'
import { cjsDefault } from '../../src/kms/cjs-default.js'
import { createKmsFetcher } from '../../src/kms/create-kms-fetcher.js'
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  errorBody,
  queryOf,
  rpcV1SignatureValid,
  secretBody,
} from './_kms-fixtures.js'

const HOST = 'http://kms-v1.test'
const request = { secretName: 'db/orders', versionStage: 'ACSCurrent' }

/** The official 1.x client, talking plain HTTP to a nock host. */
function officialV1Client() {
  const Client = cjsDefault<new (config: object) => kms.default>(kms)
  return new Client({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    regionId: 'cn-hangzhou',
    endpoint: 'kms-v1.test',
    protocol: 'HTTP',
  })
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

describe('a user-supplied @alicloud/kms20160120 1.x client', () => {
  it('its own getSecretValue model drops FetchExtendedConfig and the rotation fields', async () => {
    let query: Record<string, string> = {}
    nock(HOST)
      .post('/')
      .query(true)
      .reply((path) => {
        query = queryOf(path)
        return [200, secretBody()]
      })
    const result = await officialV1Client().getSecretValue(
      new kms.GetSecretValueRequest({ secretName: 'db/orders', fetchExtendedConfig: true }),
    )
    expect(query.FetchExtendedConfig).toBeUndefined()
    expect(result.secretData).toBe(secretBody().SecretData)
    expect(result).not.toHaveProperty('secretType')
    expect(result).not.toHaveProperty('nextRotationDate')
  })

  it('is driven through its raw doRequest: RPC v1 signed, every field kept', async () => {
    let query: Record<string, string> = {}
    nock(HOST)
      .post('/')
      .query(true)
      .reply((path) => {
        query = queryOf(path)
        return [200, secretBody()]
      })
    const record = await createKmsFetcher({ kmsClient: officialV1Client() }).fetchSecret(request)
    expect(query).toMatchObject({
      Action: 'GetSecretValue',
      Version: '2016-01-20',
      Format: 'json',
      SecretName: 'db/orders',
      VersionStage: 'ACSCurrent',
      FetchExtendedConfig: 'true',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: ACCESS_KEY_ID,
    })
    expect(query.Signature).toBeTruthy()
    expect(query.SignatureNonce).toBeTruthy()
    expect(query.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(rpcV1SignatureValid('POST', query, ACCESS_KEY_SECRET)).toBe(true)
    expect(rpcV1SignatureValid('POST', query, 'another-secret')).toBe(false)
    expect(record).toMatchObject({
      versionId: 'v-0002',
      secretType: 'Rds',
      automaticRotation: 'Enabled',
      rotationInterval: '604800s',
      nextRotationDate: '2026-11-30T08:00:00Z',
      lastRotationDate: '2026-11-23T08:00:00Z',
      versionStages: ['ACSCurrent'],
      extendedConfig: expect.stringContaining('SingleUser'),
    })
  })

  it.each([
    [404, 'Forbidden.ResourceNotFound', 'SECRET_NOT_FOUND'],
    [429, 'Rejected.Throttling', 'THROTTLED'],
    [503, 'ServiceUnavailableTemporary', 'KMS_UNAVAILABLE'],
  ])('its %i errors (code suffixed "Error") classify as %s', async (status, kmsCode, code) => {
    nock(HOST).post('/').query(true).reply(status, errorBody(kmsCode, 'req-v1'))
    const err = classifyError(
      await createKmsFetcher({ kmsClient: officialV1Client() })
        .fetchSecret(request)
        .catch((e: unknown) => e),
    )
    expect(err.code).toBe(code)
    expect(err.kmsCode).toBe(kmsCode)
    expect(err.requestId).toBe('req-v1')
  })
})

describe('duck-typed clients of other generations', () => {
  it('a 1.x-shaped client with only getSecretValue (flat camelCase model)', async () => {
    const seen: unknown[] = []
    const client = {
      async getSecretValue(req: { toMap(): Record<string, unknown> }) {
        seen.push(req.toMap())
        return {
          requestId: 'r-flat',
          secretName: 'db/orders',
          versionId: 'v9',
          secretData: 'flat-value',
          secretDataType: 'text',
          createTime: '2026-11-23T08:00:01Z',
          versionStages: { versionStage: ['ACSCurrent', 'custom'] },
        }
      },
    }
    const record = await createKmsFetcher({ kmsClient: client }).fetchSecret(request)
    expect(seen).toEqual([
      { SecretName: 'db/orders', VersionStage: 'ACSCurrent', FetchExtendedConfig: true },
    ])
    expect(record).toMatchObject({
      secretName: 'db/orders',
      versionId: 'v9',
      secretValue: 'flat-value',
      versionStages: ['ACSCurrent', 'custom'],
      requestId: 'r-flat',
    })
  })

  it('a 2.x/3.x-shaped client: getSecretValueWithOptions(req, runtime) resolving { body }', async () => {
    const seen: { req: Record<string, unknown>; runtime: Record<string, unknown> }[] = []
    const client = {
      async getSecretValueWithOptions(
        req: Record<string, unknown>,
        runtime: Record<string, unknown>,
      ) {
        seen.push({ req: { ...req }, runtime })
        return {
          statusCode: 200,
          headers: {},
          body: {
            secretName: 'db/orders',
            versionId: 'v3',
            secretData: 'model-value',
            secretDataType: 'text',
            secretType: 'Rds',
            automaticRotation: 'Enabled',
            rotationInterval: '86400s',
            nextRotationDate: '2026-11-24T00:00:00Z',
            lastRotationDate: '2026-11-23T00:00:00Z',
            extendedConfig: '{"SecretSubType":"DoubleUsers"}',
            versionStages: { versionStage: ['ACSCurrent'] },
            requestId: 'r-v3',
          },
        }
      },
      // Must not be used when getSecretValueWithOptions exists.
      async getSecretValue() {
        throw new Error('wrong method')
      },
    }
    const record = await createKmsFetcher({ kmsClient: client, timeoutMs: 1234 }).fetchSecret(
      request,
    )
    expect(seen[0]?.req).toEqual({
      secretName: 'db/orders',
      versionStage: 'ACSCurrent',
      fetchExtendedConfig: true,
    })
    expect(seen[0]?.runtime).toMatchObject({ readTimeout: 1234, connectTimeout: 1234 })
    expect(record).toMatchObject({
      versionId: 'v3',
      secretValue: 'model-value',
      secretType: 'Rds',
      rotationInterval: '86400s',
      extendedConfig: '{"SecretSubType":"DoubleUsers"}',
      requestId: 'r-v3',
    })
  })

  it('a client whose getSecretValue resolves { body }', async () => {
    const client = {
      getSecretValue: async () => ({
        body: { SecretName: 'db/orders', VersionId: 'v1', SecretData: 'x', SecretType: 'Generic' },
      }),
    }
    const record = await createKmsFetcher({ kmsClient: client }).fetchSecret(request)
    expect(record).toMatchObject({ versionId: 'v1', secretValue: 'x', secretType: 'Generic' })
  })

  it('errors of a 3.x-shaped client (code, statusCode, data) are classified', async () => {
    const client = {
      getSecretValueWithOptions: async () => {
        throw Object.assign(new Error('code: 429, throttled'), {
          code: 'Rejected.Throttling',
          statusCode: 429,
          data: { RequestId: 'r-429', statusCode: 429 },
        })
      },
    }
    const err = classifyError(
      await createKmsFetcher({ kmsClient: client })
        .fetchSecret(request)
        .catch((e: unknown) => e),
    )
    expect(err).toMatchObject({ code: 'THROTTLED', kmsCode: 'Rejected.Throttling' })
    expect(err.requestId).toBe('r-429')
  })

  it('a user client that never answers still aborts on the signal', async () => {
    const client = { getSecretValue: () => new Promise(() => {}) }
    const controller = new AbortController()
    const pending = createKmsFetcher({ kmsClient: client }).fetchSecret({
      ...request,
      signal: controller.signal,
    })
    controller.abort()
    const err = await pending.catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
  })
})
