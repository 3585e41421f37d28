import type { RefreshEvent } from '../events.js'
import { waitFor } from './wait-for.js'

/**
 * One shared fetch of one cache key (single-flight). Every concurrent caller awaits the same
 * {@link Flight.promise}; each caller's `AbortSignal` ends only that caller's wait. When every
 * waiter has left by aborting (and nobody waits without a signal), the flight is abandoned through
 * `onAbandon` so that no KMS call runs for nobody. Background refreshes have no waiters and are
 * never abandoned.
 */
export class Flight<T> {
  /** Aborts the fetch and its retry waits: on `close()`, or when abandoned. */
  readonly controller = new AbortController()
  /** Settles with the fetched entry or the classified error; set right after construction. */
  promise!: Promise<T>
  /** Why it was started; a `refreshNow` joining before the fetch began upgrades it to `refresh-now`. */
  reason: RefreshEvent['reason']
  /** Set when the fetcher is first invoked; a `refreshNow` only joins a flight not started yet. */
  started = false
  /** Attempts made so far. */
  attempts = 0
  /** Whether one of its callers already served (and reported) the stale value. */
  staleServed = false
  /** A `refreshNow` that arrived after this flight started waits for this follow-up flight. */
  next: Flight<T> | undefined
  /**
   * Rejects with the first retryable error once the fetch schedules a retry (see
   * {@link Flight.retryScheduled}); never settles when the first attempt decides the outcome.
   * Lets a caller holding a usable stale value stop waiting after one failed attempt.
   */
  readonly retrying: Promise<never>
  #rejectRetrying!: (err: unknown) => void
  #waiters = 0
  #pinned: boolean
  #settled = false
  readonly #onAbandon: (flight: Flight<T>) => void

  constructor(
    reason: RefreshEvent['reason'],
    background: boolean,
    onAbandon: (flight: Flight<T>) => void,
  ) {
    this.reason = reason
    this.#pinned = background
    this.#onAbandon = onAbandon
    this.retrying = new Promise<never>((_resolve, reject) => {
      this.#rejectRetrying = reject
    })
    // Nobody may be racing it: a rejection nobody listens to is not an error.
    this.retrying.catch(noop)
  }

  /** An attempt failed transiently and a retry follows; rejects {@link Flight.retrying} once. */
  retryScheduled(err: unknown): void {
    this.#rejectRetrying(err)
  }

  /** Keeps the fetch running even when every caller leaves (it goes on in the background). */
  pin(): void {
    this.#pinned = true
  }

  /** Marks the flight settled: abandoning it no longer makes sense. */
  settle(): void {
    this.#settled = true
  }

  /**
   * Waits for the shared result. `toError` builds the rejection of this caller when its `signal`
   * fires.
   */
  join(signal: AbortSignal | undefined, toError: (reason: unknown) => unknown): Promise<T> {
    if (signal === undefined) {
      // A caller that cannot abort keeps the flight alive.
      this.#pinned = true
      return this.promise
    }
    this.#waiters++
    return waitFor(this.promise, signal, (reason) => {
      this.#waiters--
      if (this.#waiters === 0 && !this.#pinned && !this.#settled) this.#onAbandon(this)
      return toError(reason)
    })
  }
}

function noop(): void {}
