import { databaseCredentialsFromJson } from '../database-credentials.js'
import { SecretClientError } from '../errors.js'
import type { SecretInfo } from '../secret-info.js'
import type { DatabaseCredentials } from '../types.js'
import { BASE64 } from './base64.js'
import type { EntryLifetime } from './entry-lifetime.js'
import type { SecretJson } from './parse-secret-json.js'
import { MAX_TIMER_DELAY_MS, type Timers } from './timers.js'

/** The client's time sources as an entry needs them (the resolved config fits). */
export interface EntryClock {
  /** Epoch-ms clock, read when the entry's timer fires. */
  readonly now: () => number
  readonly timers: Timers
}

/**
 * One cached secret version with its expiry bookkeeping and per-version memos (parsed JSON,
 * database credentials, decoded bytes), so wrappers that read credentials on every new connection
 * do not re-parse. Expiry is kept here rather than in `lru-cache`, whose TTL would delete expired
 * entries and with them the value stale-if-error needs.
 *
 * The hit path reads no clock (a `Date.now()` costs as much as a whole hit on some hosts): one
 * unref'd timer per entry, armed by {@link CacheEntry.arm} through the client's (injectable)
 * `timers`, flips {@link CacheEntry.refreshDue} at `refreshAt` and {@link CacheEntry.expired} at
 * `expiresAt`, both on the client's `now` clock. A timer that fires late (event-loop lag) lets the
 * entry be served up to that lag past its expiry.
 */
export class CacheEntry {
  /** Epoch ms after which reads refresh synchronously. */
  readonly expiresAt: number
  /**
   * Epoch ms after which a hit starts a background refresh. Pushed later after a failed refresh
   * ({@link CacheEntry.deferRefresh}), so that a failing KMS gets one background attempt per
   * back-off interval, not one per hit.
   */
  refreshAt: number
  /** `refreshAt` has passed: a hit starts a background refresh. Set by the entry's timer. */
  refreshDue = false
  /** `expiresAt` has passed: a hit no longer serves this entry. Set by the entry's timer. */
  expired = false
  /** `refreshNow` before this epoch ms returns this entry without calling KMS (rate limit). */
  noChangeUntil = 0
  /**
   * After a failed refresh of an expired entry, reads before this epoch ms are served the stale
   * value at once instead of each waiting for another round of retries.
   */
  staleRetryAt = 0
  #credentials: DatabaseCredentials | undefined
  #bytes: Uint8Array | undefined
  /** Set while the entry is armed (in the cache). */
  #clock: EntryClock | undefined
  #timer: unknown
  readonly #onTimer = (): void => {
    this.#timer = undefined
    const clock = this.#clock
    if (clock !== undefined) this.#schedule(clock, clock.now())
  }

  constructor(
    /** Secret name as requested (the cache key's name). */
    readonly secretName: string,
    /** Stage as requested (the cache key's stage). */
    readonly versionStage: string,
    readonly info: SecretInfo,
    readonly json: SecretJson,
    lifetime: EntryLifetime,
  ) {
    this.expiresAt = lifetime.expiresAt
    this.refreshAt = lifetime.refreshAt
  }

  /**
   * Sets the flags that are already due at `now` and arms one unref'd timer for the next of
   * `refreshAt` / `expiresAt`. Call once the entry is in the cache; {@link CacheEntry.disarm} when
   * it leaves.
   */
  arm(clock: EntryClock, now: number): void {
    this.#clock = clock
    this.#schedule(clock, now)
  }

  /** Clears the pending timer; the flags stay as they are. Idempotent. */
  disarm(): void {
    if (this.#timer !== undefined) this.#clock?.timers.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#clock = undefined
  }

  /**
   * Moves `refreshAt` to at least `until` (after a failed background refresh) and re-arms, so the
   * next background attempt waits for the back-off instead of starting on the next hit.
   */
  deferRefresh(until: number, now: number): void {
    if (until <= this.refreshAt) return
    this.refreshAt = until
    this.refreshDue = false
    const clock = this.#clock
    if (clock === undefined) {
      // Not (or no longer) armed: only the flag matters, and no timer may be left behind.
      this.refreshDue = now >= until
      return
    }
    if (this.#timer !== undefined) clock.timers.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#schedule(clock, now)
  }

  /**
   * Flips the flags due at `now` and arms the timer for the next deadline. The timer's time is
   * re-checked against `clock.now()` when it fires, so a clamped delay (beyond Node's 2^31−1 ms
   * limit) or a timer running a millisecond early just re-arms instead of flipping a flag early.
   */
  #schedule(clock: EntryClock, now: number): void {
    if (now >= this.refreshAt) this.refreshDue = true
    if (now >= this.expiresAt) this.expired = true
    let next: number
    if (!this.refreshDue && this.refreshAt < this.expiresAt) next = this.refreshAt
    else if (!this.expired) next = this.expiresAt
    else return
    // An infinite TTL (or refresh-ahead disabled with it) never fires: hold no timer at all.
    if (!Number.isFinite(next)) return
    const delay = Math.min(Math.max(Math.ceil(next - now), 1), MAX_TIMER_DELAY_MS)
    const timer = clock.timers.setTimeout(this.#onTimer, delay)
    ;(timer as { unref?: () => void } | undefined)?.unref?.()
    this.#timer = timer
  }

  /**
   * Takes over the memos of `previous` when it holds the very same value (a refresh that found
   * the same version), so wrappers keep getting the same credentials object without a re-parse.
   */
  inheritMemos(previous: CacheEntry): void {
    this.#credentials ??= previous.#credentials
    this.#bytes ??= previous.#bytes
  }

  /** Database credentials of this version, parsed on first use. */
  databaseCredentials(): DatabaseCredentials {
    if (this.#credentials === undefined) {
      this.#credentials = databaseCredentialsFromJson(
        this.json,
        this.info.secretName,
        this.info.versionId,
        this.info.extendedConfig,
      )
    }
    return this.#credentials
  }

  /** A fresh copy of the value's bytes (the memo itself is never handed out). */
  bytes(): Uint8Array {
    if (this.#bytes === undefined) {
      const value = this.info.secretValue
      if (this.info.secretDataType === 'binary') {
        if (!BASE64.test(value)) {
          throw new SecretClientError(
            'INVALID_SECRET_VALUE',
            `secret "${this.info.secretName}" (version ${this.info.versionId}) is binary but not valid base64`,
            { secretName: this.info.secretName },
          )
        }
        this.#bytes = new Uint8Array(Buffer.from(value, 'base64'))
      } else {
        this.#bytes = new TextEncoder().encode(value)
      }
    }
    return this.#bytes.slice()
  }
}
