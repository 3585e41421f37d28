import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import { record, ScriptFetcher } from './_helpers.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

async function lifetime(client: SecretCacheClient, fetcher: ScriptFetcher): Promise<number> {
  await client.getSecretInfo('db')
  let ms = 0
  while (fetcher.count === 1 && ms < 10_000_000) {
    ms += 500
    vi.advanceTimersByTime(500)
    await client.getSecretInfo('db')
  }
  return ms
}

describe('SecretCacheClient.fromEnv and the default fetcher', () => {
  it('applies the environment, with defined overrides on top', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', 'x'))
    const client = SecretCacheClient.fromEnv(
      { cache_client_ttl: '2000' },
      { fetcher, refreshAheadRatio: 1, ttlMs: undefined },
    )
    expect(await lifetime(client, fetcher)).toBe(2000)
    await client.close()
    const fetcher2 = new ScriptFetcher(() => record('db', 'v1', 'x'))
    const overridden = SecretCacheClient.fromEnv(
      { cache_client_ttl: '2000' },
      { fetcher: fetcher2, refreshAheadRatio: 1, ttlMs: 1000 },
    )
    expect(await lifetime(overridden, fetcher2)).toBe(1000)
    await overridden.close()
  })

  it('passes environment errors through as INVALID_CONFIG', () => {
    expect(() => SecretCacheClient.fromEnv({ cache_client_ttl: '-5' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    )
  })

  it('builds the KMS fetcher from the KMS options when no fetcher is given', async () => {
    const client = new SecretCacheClient({
      regionId: 'cn-hangzhou',
      credential: { accessKeyId: 'id', accessKeySecret: 'not-a-real-secret' },
    })
    await client.close()
    const fromEnv = SecretCacheClient.fromEnv({
      ALIBABA_CLOUD_REGION_ID: 'cn-hangzhou',
      credentials_type: 'ak',
      credentials_access_key_id: 'id',
      credentials_access_secret: 'not-a-real-secret',
    })
    await fromEnv.close()
  })
})
