import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CacheEntry, type EntryClock } from '../../src/internal/cache-entry.js'
import type { EntryLifetime } from '../../src/internal/entry-lifetime.js'
import { parseSecretJson } from '../../src/internal/parse-secret-json.js'
import {
  globalNow,
  globalTimers,
  MAX_TIMER_DELAY_MS,
  type Timers,
} from '../../src/internal/timers.js'
import { SecretInfo } from '../../src/secret-info.js'
import { record } from '../_helpers.js'

const DAY = 86_400_000

/** The faked global clock with `timers`, as the client hands it to its entries. */
function clockOf(timers: Timers): EntryClock {
  return { now: globalNow, timers }
}

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
})
afterEach(() => {
  vi.useRealTimers()
})

function entry(lifetime: EntryLifetime): CacheEntry {
  const info = new SecretInfo(record('db', 'v1', 'pw'))
  return new CacheEntry('db', 'ACSCurrent', info, parseSecretJson(info), lifetime)
}

/** Timers that record every arming and fire only when the test says so. */
class ManualTimers implements Timers {
  readonly armed: { callback: () => void; ms: number; unref: () => void }[] = []
  cleared = 0

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = { callback, ms, unref: vi.fn() }
    this.armed.push(handle)
    return handle
  }

  clearTimeout(): void {
    this.cleared++
  }

  /** Runs the latest timer's callback. */
  fireLast(): void {
    const last = this.armed.at(-1)
    if (last === undefined) throw new Error('no timer armed')
    last.callback()
  }
}

describe('CacheEntry expiry timer', () => {
  it('flips refreshDue at refreshAt, then expired at expiresAt, with one timer at a time', () => {
    const now = Date.now()
    const e = entry({ refreshAt: now + 8000, expiresAt: now + 10_000 })
    e.arm(clockOf(globalTimers), now)
    expect([e.refreshDue, e.expired]).toEqual([false, false])
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(7999)
    expect([e.refreshDue, e.expired]).toEqual([false, false])
    vi.advanceTimersByTime(1)
    expect([e.refreshDue, e.expired]).toEqual([true, false])
    expect(vi.getTimerCount()).toBe(1) // re-armed for expiresAt
    vi.advanceTimersByTime(1999)
    expect(e.expired).toBe(false)
    vi.advanceTimersByTime(1)
    expect([e.refreshDue, e.expired]).toEqual([true, true])
    expect(vi.getTimerCount()).toBe(0) // nothing left to wait for
  })

  it('sets flags already due when armed, and holds no timer for an infinite lifetime', () => {
    const now = Date.now()
    const zero = entry({ refreshAt: now, expiresAt: now })
    zero.arm(clockOf(globalTimers), now)
    expect([zero.refreshDue, zero.expired]).toEqual([true, true])
    const forever = entry({
      refreshAt: Number.POSITIVE_INFINITY,
      expiresAt: Number.POSITIVE_INFINITY,
    })
    forever.arm(clockOf(globalTimers), now)
    expect([forever.refreshDue, forever.expired]).toEqual([false, false])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('unrefs its timer so an idle process can exit', () => {
    const timers = new ManualTimers()
    const now = Date.now()
    entry({ refreshAt: now + 8000, expiresAt: now + 10_000 }).arm(clockOf(timers), now)
    expect(timers.armed).toHaveLength(1)
    expect(timers.armed[0]?.unref).toHaveBeenCalledOnce()
  })

  it('clamps a delay beyond 2^31-1 ms and re-arms until the real deadline', () => {
    const timers = new ManualTimers()
    const now = Date.now()
    const expiresAt = now + 60 * DAY // e.g. a NextRotationDate two months ahead
    const e = entry({ refreshAt: Number.POSITIVE_INFINITY, expiresAt })
    e.arm(clockOf(timers), now)
    expect(timers.armed.map((t) => t.ms)).toEqual([MAX_TIMER_DELAY_MS])
    vi.setSystemTime(now + MAX_TIMER_DELAY_MS)
    timers.fireLast()
    expect(e.expired).toBe(false) // clamped wake-up: not the deadline yet
    vi.setSystemTime(now + 2 * MAX_TIMER_DELAY_MS)
    timers.fireLast()
    expect(e.expired).toBe(false)
    expect(timers.armed.map((t) => t.ms)).toEqual([
      MAX_TIMER_DELAY_MS,
      MAX_TIMER_DELAY_MS,
      expiresAt - now - 2 * MAX_TIMER_DELAY_MS,
    ])
    vi.setSystemTime(expiresAt)
    timers.fireLast()
    expect(e.expired).toBe(true)
    expect(timers.armed).toHaveLength(3)
  })

  it('a long TTL under real scheduling (fake timers) expires exactly at expiresAt', () => {
    const now = Date.now()
    const e = entry({ refreshAt: Number.POSITIVE_INFINITY, expiresAt: now + 40 * DAY })
    e.arm(clockOf(globalTimers), now)
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS)
    expect(e.expired).toBe(false)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(40 * DAY - MAX_TIMER_DELAY_MS - 1)
    expect(e.expired).toBe(false)
    vi.advanceTimersByTime(1)
    expect(e.expired).toBe(true)
  })

  it('a timer that fires before the wall clock reaches the deadline re-arms instead of flipping', () => {
    const timers = new ManualTimers()
    const now = Date.now()
    const e = entry({ refreshAt: now + 8000, expiresAt: now + 10_000 })
    e.arm(clockOf(timers), now)
    vi.setSystemTime(now + 7999) // Node timers may run a millisecond before Date.now() agrees
    timers.fireLast()
    expect(e.refreshDue).toBe(false)
    expect(timers.armed.at(-1)?.ms).toBe(1)
  })

  it('disarm() clears the pending timer and is idempotent', () => {
    const now = Date.now()
    const e = entry({ refreshAt: now + 8000, expiresAt: now + 10_000 })
    e.arm(clockOf(globalTimers), now)
    e.disarm()
    e.disarm()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(20_000)
    expect([e.refreshDue, e.expired]).toEqual([false, false])
  })

  it('deferRefresh() clears refreshDue and flips it again at the new point', () => {
    const now = Date.now()
    const e = entry({ refreshAt: now + 8000, expiresAt: now + 20_000 })
    e.arm(clockOf(globalTimers), now)
    vi.advanceTimersByTime(8000)
    expect(e.refreshDue).toBe(true)
    e.deferRefresh(Date.now() + 5000, Date.now())
    expect(e.refreshDue).toBe(false)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(4999)
    expect(e.refreshDue).toBe(false)
    vi.advanceTimersByTime(1)
    expect(e.refreshDue).toBe(true)
    expect(e.expired).toBe(false)
    vi.advanceTimersByTime(7000)
    expect(e.expired).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('deferRefresh() on a disarmed entry arms nothing', () => {
    const now = Date.now()
    const e = entry({ refreshAt: now + 8000, expiresAt: now + 20_000 })
    e.arm(clockOf(globalTimers), now)
    e.disarm()
    e.deferRefresh(now + 9000, now)
    expect(e.refreshAt).toBe(now + 9000)
    expect(vi.getTimerCount()).toBe(0)
  })
})
