/**
 * The two timer functions the client uses, injectable so tests can drive time. The default looks
 * the globals up at call time (not at import time), so `vi.useFakeTimers()` installed after import
 * still applies.
 */
export interface Timers {
  /** Schedules `callback` after `ms` milliseconds and returns a handle for {@link Timers.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown
  /** Cancels a timer returned by {@link Timers.setTimeout}. */
  clearTimeout(handle: unknown): void
}

/** {@link Timers} backed by the global `setTimeout` / `clearTimeout`. */
export const globalTimers: Timers = Object.freeze({
  setTimeout: (callback: () => void, ms: number): unknown => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>)
  },
})

/**
 * Longest delay `setTimeout` honours (2^31−1 ms, about 24.8 days); Node fires a longer one after
 * 1 ms. Longer waits are armed in steps of at most this.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647
