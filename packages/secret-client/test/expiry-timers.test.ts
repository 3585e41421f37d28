import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_TIMER_DELAY_MS } from '../src/internal/timers.js'
import { clientWith, flush, kmsError, ManualFetcher, record, ScriptFetcher } from './_helpers.js'

const DAY = 86_400_000

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('per-entry expiry timers', () => {
  it('a fresh hit reads no clock', async () => {
    const value = JSON.stringify({ username: 'app', password: 'pw' })
    const fetcher = new ScriptFetcher(() => record('db', 'v1', value))
    const client = clientWith(fetcher, { ttlMs: 10_000 })
    await client.getSecretInfo('db')
    const now = vi.spyOn(Date, 'now')
    for (let i = 0; i < 100; i++) await client.getDatabaseCredentials('db')
    for (let i = 0; i < 100; i++) await client.getSecretInfo('db')
    expect(now).not.toHaveBeenCalled()
    expect(fetcher.count).toBe(1)
    await client.close()
  })

  it('expiry follows the timer: served until expiresAt, reloaded from then on', async () => {
    const fetcher = new ScriptFetcher((_req, call) => record('db', `v${call}`, 'pw'))
    const client = clientWith(fetcher, { ttlMs: 10_000, refreshAheadRatio: 1 })
    await client.getSecretInfo('db')
    vi.advanceTimersByTime(9_999)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    vi.advanceTimersByTime(1)
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    expect(fetcher.count).toBe(2)
    await client.close()
  })

  it('holds one timer per cached entry; replaced, evicted and closed entries leave none', async () => {
    let version = 'v1'
    const fetcher = new ScriptFetcher((req) => record(req.secretName, version, 'pw'))
    const client = clientWith(fetcher, { maxEntries: 2, ttlMs: 10_000 })
    await client.getSecretInfo('a')
    expect(vi.getTimerCount()).toBe(1)
    await client.getSecretInfo('b')
    expect(vi.getTimerCount()).toBe(2)
    await client.getSecretInfo('c') // LRU evicts a
    expect(vi.getTimerCount()).toBe(2)
    version = 'v2'
    await client.refreshNow('c') // replaces c's entry
    expect(vi.getTimerCount()).toBe(2)
    await client.refreshNow('c') // same version again: replaced once more
    expect(vi.getTimerCount()).toBe(2)
    vi.advanceTimersByTime(10_000)
    expect(vi.getTimerCount()).toBe(0) // both expired: an expired entry waits for nothing
    await client.getSecretInfo('b') // expired entry replaced by a fresh load
    expect(vi.getTimerCount()).toBe(1)
    await client.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('an entry evicted by SECRET_NOT_FOUND leaves no timer', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { ttlMs: 10_000, retry: { maxAttempts: 1 } })
    const first = client.getSecretInfo('db')
    await flush()
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await first
    expect(vi.getTimerCount()).toBe(1)
    const forced = client.refreshNow('db')
    await flush()
    fetcher.last().reject(kmsError('Forbidden.ResourceNotFound'))
    await expect(forced).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' })
    expect(vi.getTimerCount()).toBe(0)
    await client.close()
  })

  it('a TTL beyond the 2^31-1 ms timer limit neither expires early nor spins', async () => {
    const fetcher = new ScriptFetcher((_req, call) => record('db', `v${call}`, 'pw'))
    const ttlMs = 30 * DAY
    const client = clientWith(fetcher, { ttlMs, refreshAheadRatio: 1 })
    await client.getSecretInfo('db')
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS) // the clamped timer fires and re-arms
    expect(vi.getTimerCount()).toBe(1)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    vi.advanceTimersByTime(ttlMs - MAX_TIMER_DELAY_MS - 1)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    vi.advanceTimersByTime(1)
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    await client.close()
  })

  it('refresh-ahead is still jittered per entry', async () => {
    // Two entries loaded at the same instant draw different refresh points: 0.8 and 0.7 of 10 s.
    const draws = [0, 0.999]
    vi.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0)
    const fetcher = new ScriptFetcher((req) => record(req.secretName, 'v1', 'pw'))
    const client = clientWith(fetcher, { ttlMs: 10_000, refreshAheadRatio: 0.8 })
    await Promise.all([client.getSecretInfo('a'), client.getSecretInfo('b')])
    expect(fetcher.count).toBe(2)
    vi.advanceTimersByTime(7_001) // past b's point (~7,001 ms), before a's (8,000 ms)
    await client.getSecretInfo('a')
    await client.getSecretInfo('b')
    await flush()
    expect(fetcher.requests.slice(2).map((r) => r.secretName)).toEqual(['b'])
    vi.advanceTimersByTime(999)
    await client.getSecretInfo('a')
    await flush()
    expect(fetcher.requests.slice(2).map((r) => r.secretName)).toEqual(['b', 'a'])
    await client.close()
  })
})
