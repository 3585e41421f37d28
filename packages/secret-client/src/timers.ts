/**
 * The two timer functions the client uses, injectable (the `timers` option of
 * `SecretCacheClientOptions`) so that tests and simulations drive time instead of the event loop.
 *
 * The client calls them as methods of this object. It arms a timer per cached entry (for its next
 * refresh-ahead or expiry deadline), one per KMS attempt (the `timeoutMs` timeout) and one per
 * retry backoff wait, and clears each one it no longer needs — all of them by the time `close()`
 * resolves. Delays are measured on the client's `now` clock: inject `now` and `timers` together.
 */
export interface Timers {
  /**
   * Schedules `callback` once, `ms` milliseconds from now, and returns a handle for
   * {@link Timers.clearTimeout}. The handle is opaque to the client; if it has an `unref()` method
   * (as Node's `Timeout` does), the client calls it for the per-entry expiry timers, so that cached
   * entries never keep the process alive.
   */
  setTimeout(callback: () => void, ms: number): unknown
  /** Cancels a timer returned by {@link Timers.setTimeout}; a timer that already ran is ignored. */
  clearTimeout(handle: unknown): void
}
