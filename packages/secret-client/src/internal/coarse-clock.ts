import { globalTimers, type Timers } from './timers.js'

/**
 * How long a clock reading is reused. `Date.now()` costs a system call on some hosts (tens of
 * nanoseconds, as much as a whole cached hit), so the hot path reads the time at most once per
 * this interval. Expiry is then detected up to this much (plus the current event-loop turn) late,
 * which is nothing next to TTLs of seconds to hours.
 */
export const CLOCK_RESOLUTION_MS = 1

/**
 * A clock that reuses its last reading until a one-shot timer (started lazily on the first read
 * after it expired, unref'd so it never keeps the process alive) invalidates it. Idle clients
 * therefore hold no timer; {@link CoarseClock.close} clears the pending one.
 */
export class CoarseClock {
  #now = 0
  #valid = false
  #timer: unknown
  readonly #timers: Timers
  readonly #invalidate = (): void => {
    this.#valid = false
    this.#timer = undefined
  }

  constructor(timers: Timers = globalTimers) {
    this.#timers = timers
  }

  /** Epoch milliseconds, at most {@link CLOCK_RESOLUTION_MS} old (within one event-loop turn). */
  now(): number {
    if (this.#valid) return this.#now
    this.#now = Date.now()
    this.#valid = true
    const timer = this.#timers.setTimeout(this.#invalidate, CLOCK_RESOLUTION_MS)
    ;(timer as { unref?: () => void } | undefined)?.unref?.()
    this.#timer = timer
    return this.#now
  }

  /** Clears the pending timer; the next {@link CoarseClock.now} reads the time afresh. */
  close(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer)
    this.#invalidate()
  }
}
