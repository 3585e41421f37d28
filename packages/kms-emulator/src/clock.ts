/**
 * Source of "now" for secret lifecycle times (creation, rotation schedule, deletion window).
 * Inject a manual clock in tests and call `emulator.tick()` after moving it.
 * Request signatures are always checked against the real wall clock, because SDKs stamp
 * requests with it.
 */
export interface EmulatorClock {
  /** Milliseconds since the epoch. */
  now(): number
}

/** The real clock. */
export const systemClock: EmulatorClock = { now: () => Date.now() }
