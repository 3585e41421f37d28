import nock from 'nock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, errorBody, secretBody } from './_kms-fixtures.js'

const HOST = 'http://kms-cache.test'

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
})
