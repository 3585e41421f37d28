import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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

describe('refreshNow', () => {
  it('1,000 concurrent refreshNow calls cost exactly one fetch', async () => {
    let version = 'v1'
    const fetcher = new ScriptFetcher(() => record('db', version, 'pw'))
    const client = clientWith(fetcher)
    await client.getSecretInfo('db')
    version = 'v2'
    const results = await Promise.all(Array.from({ length: 1000 }, () => client.refreshNow('db')))
    expect(fetcher.count).toBe(2)
    expect(new Set(results.map((info) => info.versionId))).toEqual(new Set(['v2']))
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    await client.close()
  })

  it('1,000 cold concurrent refreshNow calls (no cache yet) cost one fetch', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', 'pw'))
    const client = clientWith(fetcher)
    await Promise.all(Array.from({ length: 1000 }, () => client.refreshNow('db')))
    expect(fetcher.count).toBe(1)
    await client.close()
  })

  it('never reuses a request sent before it was called: waits for one shared follow-up', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher)
    const miss = client.getSecretInfo('db')
    await flush()
    expect(fetcher.calls).toHaveLength(1)
    // These arrive while the first request is on the wire.
    const forced = Array.from({ length: 50 }, () => client.refreshNow('db'))
    await flush()
    expect(fetcher.calls).toHaveLength(1)
    fetcher.calls[0]?.resolve(record('db', 'v1', 'pw'))
    expect((await miss).versionId).toBe('v1')
    await flush()
    expect(fetcher.calls).toHaveLength(2)
    fetcher.calls[1]?.resolve(record('db', 'v2', 'pw'))
    const results = await Promise.all(forced)
    expect(results.every((info) => info.versionId === 'v2')).toBe(true)
    expect(fetcher.calls).toHaveLength(2)
    await client.close()
  })

  it('a follow-up is skipped when the request it waited for found no new version', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher)
    const first = client.getSecretInfo('db')
    await flush()
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await first
    const forced = client.refreshNow('db')
    await flush()
    expect(fetcher.calls).toHaveLength(2)
    const late = Array.from({ length: 20 }, () => client.refreshNow('db'))
    await flush()
    fetcher.calls[1]?.resolve(record('db', 'v1', 'pw'))
    await forced
    const results = await Promise.all(late)
    expect(results.every((info) => info.versionId === 'v1')).toBe(true)
    expect(fetcher.calls).toHaveLength(2)
    await client.close()
  })

  it('no new version arms the rate limit; calls within minRefreshIntervalMs do not reach KMS', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', 'pw'))
    const client = clientWith(fetcher, { minRefreshIntervalMs: 5000 })
    await client.getSecretInfo('db')
    await client.refreshNow('db')
    expect(fetcher.count).toBe(2)
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(400)
      expect((await client.refreshNow('db')).versionId).toBe('v1')
    }
    expect(fetcher.count).toBe(2)
    vi.advanceTimersByTime(1001)
    await client.refreshNow('db')
    expect(fetcher.count).toBe(3)
    await client.close()
  })

  it('a secret wrong for good costs about one KMS call per interval', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', 'pw'))
    const client = clientWith(fetcher, { minRefreshIntervalMs: 1000 })
    await client.getSecretInfo('db')
    // A pool hammering refreshNow after every auth failure for 10 s: 100 calls every 10 ms.
    for (let tick = 0; tick < 1000; tick++) {
      await Promise.all([client.refreshNow('db'), client.refreshNow('db')])
      vi.advanceTimersByTime(10)
    }
    expect(fetcher.count - 1).toBeGreaterThanOrEqual(10)
    expect(fetcher.count - 1).toBeLessThanOrEqual(11)
    await client.close()
  })

  it('the first load never arms the rate limit: a rotation right after start-up is seen', async () => {
    let version = 'v1'
    const fetcher = new ScriptFetcher(() => record('db', version, 'pw'))
    const client = clientWith(fetcher, { minRefreshIntervalMs: 60_000 })
    await client.refreshNow('db') // first load through refreshNow
    version = 'v2'
    expect((await client.refreshNow('db')).versionId).toBe('v2')
    expect(fetcher.count).toBe(2)
    await client.close()
  })

  it('a refresh that found a new version does not arm the rate limit', async () => {
    let version = 'v1'
    const fetcher = new ScriptFetcher(() => record('db', version, 'pw'))
    const client = clientWith(fetcher, { minRefreshIntervalMs: 60_000 })
    await client.getSecretInfo('db')
    version = 'v2'
    expect((await client.refreshNow('db')).versionId).toBe('v2')
    version = 'v3'
    expect((await client.refreshNow('db')).versionId).toBe('v3')
    // v3 → v3: now it arms.
    expect((await client.refreshNow('db')).versionId).toBe('v3')
    expect((await client.refreshNow('db')).versionId).toBe('v3')
    expect(fetcher.count).toBe(4)
    await client.close()
  })

  it('a failed refreshNow throws but keeps the cached entry on transient errors', async () => {
    let fail = false
    const fetcher = new ScriptFetcher(() => {
      if (fail) throw kmsError('Rejected.Throttling')
      return record('db', 'v1', 'pw')
    })
    const client = clientWith(fetcher, { retry: { maxAttempts: 1 } })
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    fail = true
    await expect(client.refreshNow('db')).rejects.toMatchObject({ code: 'THROTTLED' })
    expect(events.filter((e) => e.name === 'evict')).toEqual([])
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    expect(fetcher.count).toBe(2)
    await client.close()
  })

  it('a refreshNow joining a background refresh not yet sent upgrades it to refresh-now', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', 'pw'))
    const client = clientWith(fetcher, { ttlMs: 1000, refreshAheadRatio: 0.5 })
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    vi.advanceTimersByTime(600)
    // Same tick: the hit starts the background refresh, which has not sent its request yet.
    const hit = client.getSecretInfo('db')
    const forced = client.refreshNow('db')
    expect((await hit).versionId).toBe('v1')
    await forced
    expect(fetcher.count).toBe(2)
    const refreshes = events.filter((e) => e.name === 'refresh').map((e) => e.payload)
    expect(refreshes.at(-1)).toMatchObject({ reason: 'refresh-now', changed: false })
    // Same version found by a forced refresh: rate limited now.
    await client.refreshNow('db')
    expect(fetcher.count).toBe(2)
    await client.close()
  })

  it('a follow-up abandoned by its callers is not handed to a later caller that never aborted', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher)
    const first = client.getSecretInfo('db')
    await flush()
    const controller = new AbortController()
    const forced = client.refreshNow('db', { signal: controller.signal })
    controller.abort()
    await expect(forced).rejects.toMatchObject({ code: 'ABORTED' })
    // The caller retries as soon as its load fails, with no signal: it must never see ABORTED.
    let firstError: unknown
    const again = first.catch((err: unknown) => {
      firstError = err
      return client.getSecretInfo('db')
    })
    fetcher.calls[0]?.reject(kmsError('InvalidParameter'))
    await flush()
    expect(firstError).toMatchObject({ code: 'KMS_ERROR' })
    expect(fetcher.calls).toHaveLength(2)
    fetcher.calls[1]?.resolve(record('db', 'v1', 'pw'))
    expect((await again).versionId).toBe('v1')
    await client.close()
  })
})
