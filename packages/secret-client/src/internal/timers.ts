import type { Timers } from '../timers.js'

export type { Timers } from '../timers.js'

/**
 * {@link Timers} backed by the global `setTimeout` / `clearTimeout`. The globals are looked up at
 * call time (not at import time), so `vi.useFakeTimers()` installed after import still applies.
 */
export const globalTimers: Timers = Object.freeze({
  setTimeout: (callback: () => void, ms: number): unknown => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>)
  },
})

/** `Date.now()`, looked up at call time for the same reason as {@link globalTimers}. */
export const globalNow = (): number => Date.now()

/** `Math.random()`, looked up at call time so a spy installed after construction applies. */
export const globalRandom = (): number => Math.random()

/**
 * Longest delay `setTimeout` honours (2^31−1 ms, about 24.8 days); Node fires a longer one after
 * 1 ms. Longer waits are armed in steps of at most this.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647
