import nock from 'nock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, errorBody, secretBody } from './_kms-fixtures.js'

const HOST = 'http://kms-cache.test'
const GATEWAY_HOST = 'http://kms-behind-gateway.test'

beforeAll(() => nock.disableNetConnect())
afterAll(() => {
  nock.cleanAll()
  nock.enableNetConnect()
  nock.restore()
})

describe('SecretCacheClient over the real KMS fetcher', () => {
  it('retries 429 Rejected.Throttling, then serves the secret from the cache', async () => {
    let requests = 0
    const stages: string[] = []
    nock(HOST)
      .persist()
      .post('/')
      .query(true)
      .reply((path) => {
        requests++
        stages.push(new URL(path, HOST).searchParams.get('VersionStage') ?? '')
        return requests <= 2
          ? [429, errorBody('Rejected.Throttling')]
          : [200, secretBody({ VersionId: 'v-after-retries' })]
      })
    const client = new SecretCacheClient({
      regionId: 'cn-hangzhou',
      endpoint: HOST,
      credential: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    })
    try {
      const info = await client.getSecretInfo('db/orders')
      expect(info.versionId).toBe('v-after-retries')
      expect(info.secretType).toBe('Rds')
      expect(info.nextRotationDate).toBe('2026-11-30T08:00:00Z')
      expect(info.extendedConfig).toMatchObject({ SecretSubType: 'SingleUser' })
      expect(requests).toBe(3)
      expect(stages).toEqual(['ACSCurrent', 'ACSCurrent', 'ACSCurrent'])
      await client.getSecretInfo('db/orders')
      expect(requests).toBe(3)
    } finally {
      await client.close()
    }
  })

  it('a gateway 503 without a KMS code is retried, and an expired value is served stale meanwhile', async () => {
    let requests = 0
    let down = false
    nock(GATEWAY_HOST)
      .persist()
      .post('/')
      .query(true)
      .reply(() => {
        requests++
        // First load: one gateway 503, then the secret. Later: the gateway is down for good.
        if (down || requests === 1) return [503, '{"message":"Service Unavailable"}']
        return [200, secretBody({ VersionId: 'v-gateway' })]
      })
    const client = new SecretCacheClient({
      regionId: 'cn-hangzhou',
      endpoint: GATEWAY_HOST,
      credential: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      ttlMs: 100,
      maxStaleMs: 60_000,
      // No refresh-ahead before expiry: the read after it is the one that meets the gateway.
      refreshAheadRatio: 1,
    })
    try {
      expect((await client.getSecretInfo('db/orders')).versionId).toBe('v-gateway')
      expect(requests).toBe(2)
      down = true
      await new Promise((resolve) => setTimeout(resolve, 300)) // expired, within maxStaleMs
      expect((await client.getSecretInfo('db/orders')).versionId).toBe('v-gateway')
      expect(requests).toBeGreaterThan(2)
    } finally {
      await client.close()
    }
  })
})
