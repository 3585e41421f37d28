import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { entryLifetime, STALE_RETRY_INTERVAL_MS } from '../src/internal/entry-lifetime.js'
import {
  clientWith,
  flush,
  kmsError,
  ManualFetcher,
  record,
  recordEvents,
  ScriptFetcher,
} from './_helpers.js'

// Captured before fake timers replace it.
const realSetImmediate = setImmediate

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('refresh-ahead', () => {
  it('serves the cached value at once while one background fetch runs', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0) // refresh point = ratio exactly
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { ttlMs: 10_000, refreshAheadRatio: 0.8 })
    const events = recordEvents(client)
    const first = client.getSecretInfo('db')
    await flush()
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await first
    vi.advanceTimersByTime(7_999)
    await client.getSecretInfo('db')
    await flush()
    expect(fetcher.calls).toHaveLength(1) // not yet in the refresh-ahead window
    vi.advanceTimersByTime(1)
    for (let i = 0; i < 100; i++) {
      expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    }
    await flush()
    expect(fetcher.calls).toHaveLength(2) // exactly one background fetch
    fetcher.last().resolve(record('db', 'v2', 'pw'))
    await flush()
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    expect(events.filter((e) => e.name === 'refresh').at(-1)?.payload).toMatchObject({
      reason: 'refresh-ahead',
      previousVersionId: 'v1',
      versionId: 'v2',
      changed: true,
    })
    expect(fetcher.calls).toHaveLength(2)
    await client.close()
  })

  it('jitters the refresh point per entry in [ratio - 0.1, ratio]', () => {
    const points = [0, 0.25, 0.5, 0.999].map(
      (r) => entryLifetime(0, 10_000, undefined, 0.8, () => r).refreshAt,
    )
    expect(points.slice(0, 3)).toEqual([8000, 7750, 7500])
    expect(points[3]).toBeCloseTo(7001, 6)
    expect(entryLifetime(0, 10_000, undefined, 1, () => 0.5).refreshAt).toBe(
      Number.POSITIVE_INFINITY,
    )
  })

  it('spreads the refresh of a fleet of entries loaded at the same moment', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { ttlMs: 100_000, refreshAheadRatio: 0.8 })
    const names = Array.from({ length: 20 }, (_, i) => `s${i}`)
    const loads = names.map((n) => client.getSecretInfo(n))
    await flush()
    for (const call of fetcher.calls) call.resolve(record(call.request.secretName, 'v1', 'x'))
    await Promise.all(loads)
    // Halfway through the jitter window some entries refresh and others do not.
    vi.advanceTimersByTime(75_000)
    await Promise.all(names.map((n) => client.getSecretInfo(n)))
    await flush()
    const refreshed = fetcher.calls.length - names.length
    expect(refreshed).toBeGreaterThan(0)
    expect(refreshed).toBeLessThan(names.length)
    await client.close()
  })

  it('reports a failed background refresh as refreshError and keeps serving', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    const logger = { warn: vi.fn(), debug: vi.fn() }
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, {
      ttlMs: 1000,
      refreshAheadRatio: 0.5,
      retry: { maxAttempts: 1 },
      logger,
    })
    const events = recordEvents(client)
    const first = client.getSecretInfo('db')
    await flush()
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await first
    vi.advanceTimersByTime(500)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    await flush()
    fetcher.last().reject(kmsError('ServiceUnavailableTemporary'))
    await flush()
    await new Promise((resolve) => realSetImmediate(resolve)) // let Node report unhandled rejections
    expect(events.map((e) => e.name)).toEqual(['refresh', 'refreshError'])
    expect(events[1]?.payload).toMatchObject({
      secretName: 'db',
      reason: 'refresh-ahead',
      code: 'KMS_UNAVAILABLE',
      kmsCode: 'ServiceUnavailableTemporary',
      attempts: 1,
    })
    expect(logger.warn).toHaveBeenCalledWith(
      'secret-client: KMS read failed',
      expect.objectContaining({ code: 'KMS_UNAVAILABLE' }),
    )
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    process.off('unhandledRejection', unhandled)
    expect(unhandled).not.toHaveBeenCalled()
    await client.close()
  })

  it('a failing background refresh backs off instead of restarting on every hit', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    let throttling = false
    const fetcher = new ScriptFetcher((_request, call) => {
      if (throttling) throw kmsError('Rejected.Throttling')
      return record('db', call === 1 ? 'v1' : 'v2', 'pw')
    })
    const client = clientWith(fetcher, {
      ttlMs: 100_000,
      refreshAheadRatio: 0.5,
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
    })
    await client.getSecretInfo('db')
    vi.advanceTimersByTime(50_000) // into the refresh-ahead window
    throttling = true
    // 180 hits over ~500 ms while KMS throttles: one background refresh with its 3 attempts.
    for (let i = 0; i < 180; i++) {
      expect((await client.getSecretInfo('db')).versionId).toBe('v1')
      await vi.advanceTimersByTimeAsync(3)
    }
    expect(fetcher.count).toBe(1 + 3)
    throttling = false
    await vi.advanceTimersByTimeAsync(STALE_RETRY_INTERVAL_MS)
    await client.getSecretInfo('db') // the back-off is over: one new background refresh
    await flush()
    expect(fetcher.count).toBe(5)
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    await client.close()
  })

  it("a failed background refresh waits for the server's retryAfterMs when it is longer", async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const fetcher = new ScriptFetcher((_request, call) => {
      if (call > 1) throw kmsError('Rejected.Throttling', { retryAfterMs: 20_000 })
      return record('db', 'v1', 'pw')
    })
    const client = clientWith(fetcher, {
      ttlMs: 100_000,
      refreshAheadRatio: 0.5,
      retry: { maxAttempts: 1 },
    })
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    vi.advanceTimersByTime(50_000)
    await client.getSecretInfo('db')
    await flush()
    expect(fetcher.count).toBe(2)
    expect(events.at(-1)?.payload).toMatchObject({
      reason: 'refresh-ahead',
      previousVersionId: 'v1',
    })
    vi.advanceTimersByTime(19_999)
    await client.getSecretInfo('db')
    await flush()
    expect(fetcher.count).toBe(2)
    vi.advanceTimersByTime(1)
    await client.getSecretInfo('db')
    await flush()
    expect(fetcher.count).toBe(3)
    await client.close()
  })
})
