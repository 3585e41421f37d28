import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { STALE_RETRY_INTERVAL_MS } from '../src/internal/entry-lifetime.js'
import {
  clientWith,
  flush,
  kmsError,
  ManualFetcher,
  record,
  recordEvents,
  ScriptFetcher,
} from './_helpers.js'

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
        source: 'memory',
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

  it('serves the stale value after the first failed attempt and keeps retrying in the background', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, {
      ttlMs: 1000,
      refreshAheadRatio: 1,
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 },
    })
    const events = recordEvents(client)
    const load = client.getSecretInfo('db')
    await flush()
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await load
    vi.advanceTimersByTime(1500)
    const read = client.getSecretInfo('db')
    await flush()
    fetcher.last().reject(kmsError('Rejected.Throttling'))
    // No timer advanced: the caller did not wait through the back-off of the next attempts.
    expect((await read).versionId).toBe('v1')
    expect(events.filter((e) => e.name === 'stale')).toHaveLength(1)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    expect(fetcher.calls).toHaveLength(2) // the load and the failed attempt
    await vi.advanceTimersByTimeAsync(1000) // the background retry
    expect(fetcher.calls).toHaveLength(3)
    fetcher.last().resolve(record('db', 'v2', 'pw'))
    await flush()
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    expect(fetcher.calls).toHaveLength(3)
    await client.close()
  })

  it('a caller with a stale value that aborts does not stop the background retries', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, {
      ttlMs: 1000,
      refreshAheadRatio: 1,
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 },
    })
    const load = client.getSecretInfo('db')
    await flush()
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await load
    vi.advanceTimersByTime(1500)
    const controller = new AbortController()
    const read = client.getSecretInfo('db', { signal: controller.signal })
    await flush()
    controller.abort()
    await expect(read).rejects.toMatchObject({ code: 'ABORTED' })
    expect(fetcher.last().aborted()).toBe(false)
    fetcher.last().resolve(record('db', 'v2', 'pw'))
    await flush()
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    await client.close()
  })
})
