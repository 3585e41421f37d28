import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { STALE_RETRY_INTERVAL_MS } from '../src/internal/entry-lifetime.js'
import { clientWith, kmsError, record, recordEvents, ScriptFetcher } from './_helpers.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function failingAfterFirst(code: string): { fetcher: ScriptFetcher; fail: (on: boolean) => void } {
  let failing = false
  const fetcher = new ScriptFetcher(() => {
    if (failing) throw kmsError(code)
    return record('db', 'v1', 'pw')
  })
  return { fetcher, fail: (on) => (failing = on) }
}

describe('stale-if-error', () => {
  it('serves the expired value within maxStaleMs and throws after, evicting it', async () => {
    const { fetcher, fail } = failingAfterFirst('Rejected.Throttling')
    const client = clientWith(fetcher, {
      ttlMs: 1000,
      maxStaleMs: 60_000,
      refreshAheadRatio: 1,
      retry: { maxAttempts: 1 },
    })
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    fail(true)
    vi.advanceTimersByTime(1000 + 30_000)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    expect(events.filter((e) => e.name === 'stale').map((e) => e.payload)).toEqual([
      {
        secretName: 'db',
        versionStage: 'ACSCurrent',
        versionId: 'v1',
        staleForMs: 30_000,
        code: 'THROTTLED',
      },
    ])
    vi.advanceTimersByTime(30_000) // exactly maxStaleMs past expiry
    await expect(client.getSecretInfo('db')).rejects.toMatchObject({
      code: 'THROTTLED',
      kmsCode: 'Rejected.Throttling',
    })
    expect(events.filter((e) => e.name === 'evict').map((e) => e.payload)).toEqual([
      { secretName: 'db', versionStage: 'ACSCurrent', versionId: 'v1', reason: 'stale-limit' },
    ])
    await client.close()
  })

  it('after a failed refresh, reads get the stale value at once until the retry interval', async () => {
    const { fetcher, fail } = failingAfterFirst('ServiceUnavailableTemporary')
    const client = clientWith(fetcher, {
      ttlMs: 1000,
      refreshAheadRatio: 1,
      retry: { maxAttempts: 1 },
    })
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    fail(true)
    vi.advanceTimersByTime(2000)
    await client.getSecretInfo('db')
    expect(fetcher.count).toBe(2)
    for (let i = 0; i < 50; i++) await client.getSecretInfo('db')
    expect(fetcher.count).toBe(2)
    expect(events.filter((e) => e.name === 'stale')).toHaveLength(1)
    vi.advanceTimersByTime(STALE_RETRY_INTERVAL_MS)
    fail(false)
    await client.getSecretInfo('db')
    expect(fetcher.count).toBe(3)
    await client.close()
  })

  it('maxStaleMs 0 disables it', async () => {
    const { fetcher, fail } = failingAfterFirst('Rejected.Throttling')
    const client = clientWith(fetcher, { ttlMs: 1000, maxStaleMs: 0, retry: { maxAttempts: 1 } })
    await client.getSecretInfo('db')
    fail(true)
    vi.advanceTimersByTime(1000)
    await expect(client.getSecretInfo('db')).rejects.toMatchObject({ code: 'THROTTLED' })
    await client.close()
  })

  it.each([
    ['Forbidden.ResourceNotFound', 'SECRET_NOT_FOUND', 'not-found'],
    ['Forbidden.NoPermission', 'ACCESS_DENIED', 'access-denied'],
  ])(
    '%s is never masked: evicts and throws even with a cached value',
    async (kmsCode, code, reason) => {
      const { fetcher, fail } = failingAfterFirst(kmsCode)
      const client = clientWith(fetcher, { ttlMs: 1000, maxStaleMs: 3_600_000 })
      const events = recordEvents(client)
      await client.getSecretInfo('db')
      fail(true)
      vi.advanceTimersByTime(1000)
      await expect(client.getSecretInfo('db')).rejects.toMatchObject({ code, secretName: 'db' })
      expect(fetcher.count).toBe(2) // not retried
      expect(events.filter((e) => e.name === 'evict').map((e) => e.payload)).toEqual([
        { secretName: 'db', versionStage: 'ACSCurrent', versionId: 'v1', reason },
      ])
      // The entry is gone: the next read goes to KMS again.
      await expect(client.getSecretInfo('db')).rejects.toMatchObject({ code })
      expect(fetcher.count).toBe(3)
      await client.close()
    },
  )

  it('a non-retryable KMS error on an expired read is thrown, not masked', async () => {
    const { fetcher, fail } = failingAfterFirst('InvalidParameter')
    const client = clientWith(fetcher, { ttlMs: 1000 })
    await client.getSecretInfo('db')
    fail(true)
    vi.advanceTimersByTime(1000)
    await expect(client.getSecretInfo('db')).rejects.toMatchObject({ code: 'KMS_ERROR' })
    await client.close()
  })
})
