import { afterEach, describe, expect, it, vi } from 'vitest'
import { SecretClientError } from '../src/errors.js'
import type { SecretCacheClientOptions } from '../src/options.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import type { Timers } from '../src/timers.js'
import type { FetchSecretRequest, SecretFetcher, SecretRecord } from '../src/types.js'
import { kmsError, ManualFetcher, record, recordEvents, ScriptFetcher } from './_helpers.js'

// No vi.useFakeTimers() in this file: the client runs on the time it is given, and nothing else.

const T0 = Date.parse('2026-01-01T00:00:00Z')

interface Scheduled {
  id: number
  at: number
  callback: () => void
}

/**
 * A hand-driven clock and scheduler: time stands still until {@link ManualTime.advance}, which
 * moves the clock to each due timer in turn and runs it.
 */
class ManualTime implements Timers {
  #time = T0
  #nextId = 1
  /** Timers set and neither run nor cleared, in the order they were set. */
  readonly pending: Scheduled[] = []
  /** How many timers were ever set. */
  setCount = 0
  /** How many times the clock was read. */
  reads = 0

  readonly now = (): number => {
    this.reads++
    return this.#time
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.setCount++
    const timer = { id: this.#nextId++, at: this.#time + ms, callback }
    this.pending.push(timer)
    return timer.id
  }

  clearTimeout(handle: unknown): void {
    const index = this.pending.findIndex((timer) => timer.id === handle)
    if (index !== -1) this.pending.splice(index, 1)
  }

  /** Due times of the pending timers, relative to T0, earliest first. */
  dueTimes(): number[] {
    return this.pending.map((timer) => timer.at - T0).sort((a, b) => a - b)
  }

  /**
   * Moves the clock `ms` forward, running every timer due on the way at its own time (earliest
   * first, then in the order set) and letting the client's promise chains run after each.
   */
  async advance(ms: number): Promise<void> {
    const end = this.#time + ms
    await settle()
    for (;;) {
      let next: Scheduled | undefined
      for (const timer of this.pending) {
        if (timer.at <= end && (next === undefined || timer.at < next.at)) next = timer
      }
      if (next === undefined) break
      this.pending.splice(this.pending.indexOf(next), 1)
      this.#time = Math.max(this.#time, next.at)
      next.callback()
      await settle()
    }
    this.#time = end
    await settle()
  }
}

/** Lets every pending promise chain run (one turn of the event loop; no timer involved). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Answers each call with version `v<call>` of the requested secret, at once. */
function versions(): ScriptFetcher {
  return new ScriptFetcher((request, call) => record(request.secretName, `v${call}`, 'pw'))
}

const clients: SecretCacheClient[] = []

function clientOn(
  time: ManualTime,
  fetcher: SecretFetcher,
  options: Omit<SecretCacheClientOptions, 'fetcher' | 'now' | 'timers'> = {},
): SecretCacheClient {
  const client = new SecretCacheClient({
    random: () => 0,
    ...options,
    fetcher,
    now: time.now,
    timers: time,
  })
  clients.push(client)
  return client
}

afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(clients.splice(0).map((client) => client.close()))
})

describe('injected now / timers / random', () => {
  it('expires an entry exactly at the injected ttl, and never touches the global clock, timers or random', async () => {
    const dateNow = vi.spyOn(Date, 'now')
    const mathRandom = vi.spyOn(Math, 'random')
    const globalSetTimeout = vi.spyOn(globalThis, 'setTimeout')
    const time = new ManualTime()
    const fetcher = versions()
    const client = clientOn(time, fetcher, { ttlMs: 10_000, refreshAheadRatio: 1 })
    const events = recordEvents(client)

    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    // The attempt's timeout timer was cleared; only the entry's expiry timer is left.
    expect(time.dueTimes()).toEqual([10_000])

    await time.advance(9_999)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    expect(fetcher.count).toBe(1)

    await time.advance(1)
    expect(time.pending).toEqual([]) // the expiry timer ran
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    expect(fetcher.count).toBe(2)
    expect(events.map((e) => e.name)).toEqual(['refresh', 'refresh'])
    expect(events[1]?.payload).toMatchObject({ reason: 'expired', versionId: 'v2' })
    // The new entry lives ttlMs from the injected time it was stored at.
    expect(time.dueTimes()).toEqual([20_000])

    await client.close()
    expect(time.pending).toEqual([])
    expect(dateNow).not.toHaveBeenCalled()
    expect(mathRandom).not.toHaveBeenCalled()
    expect(globalSetTimeout).not.toHaveBeenCalled()
  })

  it('starts refresh-ahead exactly at the injected refresh point', async () => {
    const time = new ManualTime()
    const fetcher = versions()
    // random 0 → the refresh point is refreshAheadRatio of the lifetime exactly.
    const client = clientOn(time, fetcher, { ttlMs: 10_000, refreshAheadRatio: 0.8 })
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    expect(time.dueTimes()).toEqual([8_000])

    await time.advance(7_999)
    await client.getSecretInfo('db')
    await settle()
    expect(fetcher.count).toBe(1)

    await time.advance(1)
    // The hit returns the cached value at once and refreshes in the background.
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    await settle()
    expect(fetcher.count).toBe(2)
    expect(events[1]).toMatchObject({
      name: 'refresh',
      payload: { reason: 'refresh-ahead', versionId: 'v2' },
    })
    expect((await client.getSecretInfo('db')).versionId).toBe('v2')
    // The refreshed entry's own deadlines count from the injected time of the refresh.
    expect(time.dueTimes()).toEqual([8_000 + 8_000])
  })

  it('draws the refresh-ahead jitter from the injected random', async () => {
    const time = new ManualTime()
    const low = versions()
    const high = versions()
    const options = { ttlMs: 10_000, refreshAheadRatio: 0.8 }
    const early = clientOn(time, high, { ...options, random: () => 0.999_999_9 })
    const late = clientOn(time, low, { ...options, random: () => 0 })
    await early.getSecretInfo('db')
    await late.getSecretInfo('db')
    // Refresh points: 10 s × (0.8 − 0.1 × 0.9999999) ≈ 7 s, and 10 s × 0.8 = 8 s.
    const [first, second] = time.dueTimes()
    expect(first).toBeGreaterThanOrEqual(7_000)
    expect(first).toBeLessThanOrEqual(7_001)
    expect(second).toBe(8_000)

    const hitBoth = async (): Promise<number[]> => {
      await early.getSecretInfo('db')
      await late.getSecretInfo('db')
      await settle()
      return [high.count, low.count]
    }
    await time.advance(6_999)
    expect(await hitBoth()).toEqual([1, 1])
    await time.advance(1_000)
    expect(await hitBoth()).toEqual([2, 1])
    await time.advance(1)
    expect(await hitBoth()).toEqual([2, 2])
  })

  it('reads no clock on a fresh hit', async () => {
    const time = new ManualTime()
    const client = clientOn(time, versions(), { ttlMs: 10_000 })
    await client.getSecretInfo('db')
    const reads = time.reads
    for (let i = 0; i < 100; i++) await client.getSecretInfo('db')
    await client.getStringValue('db')
    await client.getDatabaseCredentials('db').catch(() => undefined)
    expect(time.reads).toBe(reads)
  })

  it('waits out retry backoff on the injected timers, with the injected random', async () => {
    const time = new ManualTime()
    const fetcher = new ScriptFetcher((request, call) => {
      if (call <= 2) throw kmsError('Rejected.Throttling')
      return record(request.secretName, 'v1', 'pw')
    })
    const client = clientOn(time, fetcher, {
      random: () => 0.5,
      retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    })
    const events = recordEvents(client)
    let result: string | undefined
    const read = client.getSecretInfo('db').then((info) => {
      result = info.versionId
    })
    await settle()
    expect(fetcher.count).toBe(1)
    // Full jitter: 0.5 × min(10 s, 1 s × 2⁰) = 500 ms.
    expect(time.dueTimes()).toEqual([500])

    await time.advance(499)
    expect(fetcher.count).toBe(1)
    await time.advance(1)
    expect(fetcher.count).toBe(2)
    // 0.5 × 1 s × 2¹ = 1000 ms after the second failure.
    expect(time.dueTimes()).toEqual([1_500])

    await time.advance(999)
    expect(fetcher.count).toBe(2)
    await time.advance(1)
    await read
    expect(fetcher.count).toBe(3)
    expect(result).toBe('v1')
    // The event's duration is measured on the injected clock.
    expect(events[0]).toMatchObject({
      name: 'refresh',
      payload: { attempts: 3, durationMs: 1_500 },
    })
  })

  it('measures an HTTP-date Retry-After against the injected clock', async () => {
    const time = new ManualTime()
    const retryAt = new Date(T0 + 3_000).toUTCString()
    const fetcher = new ScriptFetcher(() => {
      throw kmsError('Rejected.Throttling', { data: { headers: { 'retry-after': retryAt } } })
    })
    const client = clientOn(time, fetcher, { retry: { maxAttempts: 2 } })
    const read = client.getSecretInfo('db').catch((err: unknown) => err)
    await settle()
    // The hint is a floor over the jittered delay (0 with random 0): 3 s of injected time.
    expect(time.dueTimes()).toEqual([3_000])
    await time.advance(3_000)
    expect(fetcher.count).toBe(2)
    expect(await read).toMatchObject({ code: 'THROTTLED', retryAfterMs: 0 })
  })

  it('times out an attempt on the injected timers', async () => {
    const time = new ManualTime()
    const fetcher = new ManualFetcher()
    const client = clientOn(time, fetcher, { timeoutMs: 2_000, retry: { maxAttempts: 1 } })
    const events = recordEvents(client)
    const read = client.getSecretInfo('db').catch((err: unknown) => err)
    await settle()
    expect(fetcher.calls).toHaveLength(1)
    expect(time.dueTimes()).toEqual([2_000])

    await time.advance(1_999)
    expect(fetcher.last().aborted()).toBe(false)
    await time.advance(1)
    expect(fetcher.last().aborted()).toBe(true)
    expect(await read).toMatchObject({ code: 'TIMEOUT' })
    expect(events[0]).toMatchObject({ name: 'refreshError', payload: { durationMs: 2_000 } })
    expect(time.pending).toEqual([])
  })

  it('rate-limits refreshNow and serves stale values by the injected clock', async () => {
    const time = new ManualTime()
    let failing = false
    const fetcher = new ScriptFetcher((request: FetchSecretRequest): SecretRecord => {
      if (failing) throw kmsError('ServiceUnavailableTemporary')
      return record(request.secretName, 'v1', 'pw')
    })
    const client = clientOn(time, fetcher, {
      ttlMs: 1_000,
      refreshAheadRatio: 1,
      minRefreshIntervalMs: 5_000,
      retry: { maxAttempts: 1 },
    })
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    await client.refreshNow('db') // same version: arms the limit until T0 + 5000
    expect(fetcher.count).toBe(2)

    await time.advance(4_999)
    await client.refreshNow('db')
    expect(fetcher.count).toBe(2)
    await time.advance(1)
    await client.refreshNow('db')
    expect(fetcher.count).toBe(3) // stored at T0 + 5000: expires at T0 + 6000

    failing = true
    await time.advance(1_500)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    expect(fetcher.count).toBe(4)
    expect(events.at(-1)).toMatchObject({ name: 'stale', payload: { staleForMs: 500 } })

    // For 5 s of injected time, reads get the stale value without calling KMS.
    await time.advance(4_999)
    await client.getSecretInfo('db')
    expect(fetcher.count).toBe(4)
    await time.advance(1)
    await client.getSecretInfo('db')
    expect(fetcher.count).toBe(5)
  })

  it('close() clears every timer it set through the injected timers', async () => {
    const time = new ManualTime()
    const fetcher: SecretFetcher = {
      fetchSecret(request) {
        if (request.secretName === 'throttled')
          return Promise.reject(kmsError('Rejected.Throttling'))
        if (request.secretName === 'hanging') {
          return new Promise((_resolve, reject) => {
            request.signal?.addEventListener('abort', () => reject(request.signal?.reason))
          })
        }
        return Promise.resolve(record(request.secretName, 'v1', 'pw'))
      },
    }
    const client = clientOn(time, fetcher, {
      ttlMs: 60_000,
      timeoutMs: 30_000,
      random: () => 0.5,
      retry: { baseDelayMs: 1_000 },
    })
    // Refresh-ahead points of a and b: 60 s × (0.8 − 0.1 × 0.5) = 45 s.
    await client.getSecretInfo('a')
    await client.getSecretInfo('b', { versionStage: 'ACSPrevious' })
    const hanging = client.getSecretInfo('hanging').catch((err: unknown) => err) // attempt timeout
    const throttled = client.getSecretInfo('throttled').catch((err: unknown) => err) // backoff wait
    await settle()
    expect(time.dueTimes()).toEqual([500, 30_000, 45_000, 45_000])

    await client.close()
    expect(time.pending).toEqual([])
    expect(time.setCount).toBeGreaterThanOrEqual(4)
    expect(await hanging).toMatchObject({ code: 'CLOSED' })
    expect(await throttled).toMatchObject({ code: 'CLOSED' })
  })

  it.each([
    [{ now: 1_700_000_000_000 }, 'now'],
    [{ now: 'Date.now' }, 'now'],
    [{ now: null }, 'now'],
    [{ random: 0.5 }, 'random'],
    [{ random: {} }, 'random'],
    [{ timers: {} }, 'timers'],
    [{ timers: null }, 'timers'],
    [{ timers: () => undefined }, 'timers'],
    [{ timers: { setTimeout: () => 1 } }, 'timers'],
    [{ timers: { setTimeout: 1, clearTimeout: () => undefined } }, 'timers'],
  ])('rejects %j with INVALID_CONFIG naming %s', (options, option) => {
    let caught: unknown
    try {
      new SecretCacheClient({ fetcher: versions(), ...(options as object) })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(SecretClientError)
    expect(caught).toMatchObject({ code: 'INVALID_CONFIG' })
    expect((caught as Error).message).toMatch(new RegExp(`^Invalid option ${option}: expected `))
  })

  it('never quotes a bad value', () => {
    const canary = 'CANARY-not-a-clock'
    for (const option of ['now', 'random', 'timers']) {
      let caught: unknown
      try {
        new SecretCacheClient({ fetcher: versions(), [option]: canary })
      } catch (err) {
        caught = err
      }
      expect(caught).toMatchObject({ code: 'INVALID_CONFIG' })
      expect((caught as Error).message).toContain(option)
      expect((caught as Error).message).not.toContain(canary)
    }
  })
})
