import { SecretClientError } from '../errors.js'
import { abortableSleep } from '../internal/abortable-sleep.js'
import { backoffDelay } from '../internal/backoff.js'
import { kitTelemetry } from '../internal/telemetry.js'
import { globalTimers, type Timers } from '../internal/timers.js'
import { waitFor } from '../internal/wait-for.js'
import type { DatabaseCredentials, GetSecretOptions, VersionStage } from '../types.js'
import { markAuthRetryExhausted } from './auth-retry-exhausted-error.js'
import type { AuthRetryExhausted } from './auth-retry-exhausted-mark.js'
import { type RotationRetryOptions, resolveRotationRetry } from './rotation-retry.js'

/**
 * What a rotation-aware connect needs from a secret client; {@link SecretCacheClient} fits.
 * Structural, so a driver can be tested with anything of this shape.
 */
export interface DatabaseSecretSource {
  getDatabaseCredentials(
    secretName: string,
    options?: GetSecretOptions,
  ): Promise<DatabaseCredentials>
  refreshNow(
    secretName: string,
    options?: GetSecretOptions,
  ): Promise<{ readonly versionId: string }>
  /**
   * Optional: the cached credentials, synchronously, when a read would be a cache hit
   * (`SecretCacheClient#peekDatabaseCredentials`); lets a connect start in the caller's tick.
   */
  peekDatabaseCredentials?(
    secretName: string,
    options?: GetSecretOptions,
  ): DatabaseCredentials | undefined
}

/** One authentication failure seen during a rotation-aware connect; never carries a password. */
export interface AuthFailureInfo {
  secretName: string
  /** Attempt number, from 1. */
  attempt: number
  /** Version id of the credentials the database rejected. */
  versionId: string
  /** Username the database rejected (it changes under dual-account rotation). */
  username: string
  /** The driver error. */
  error: unknown
}

/** Options of {@link RotationAttempt}. */
export interface RotationAttemptOptions {
  /** Where credentials come from, usually a {@link SecretCacheClient}. */
  source: DatabaseSecretSource
  /**
   * The driver's package name, for the `secret_client.driver.auth_failures` metric.
   * @default 'unknown'
   */
  driver?: string
  /** Name of the database secret. */
  secretName: string
  /**
   * Stage to read.
   * @default 'ACSCurrent'
   */
  versionStage?: VersionStage
  /**
   * Retry budget; checked at construction.
   * @default {@link DEFAULT_ROTATION_RETRY}
   */
  retry?: RotationRetryOptions
  /**
   * Ends the attempt: a KMS call or backoff wait in progress rejects at once with `ABORTED` (the
   * last driver error, else the signal's reason, as `cause`). A driver connect in progress is the
   * driver's to abort.
   */
  signal?: AbortSignal
  /** Called on every authentication failure, e.g. to log or count it. */
  onAuthFailure?(info: AuthFailureInfo): void
  /**
   * The first attempt, when the driver already made it with credentials it read itself
   * (`peekCredentials`: a connect that found them cached does not build an attempt until the
   * database rejects them). The attempt resumes as if {@link RotationAttempt.first} had returned
   * `credentials` at `startedAt` (the deadline counts from then).
   */
  first?: { credentials: DatabaseCredentials; startedAt: number }
  /** @internal Test seams. */
  timers?: Timers
  /** @internal */
  random?: () => number
  /** @internal */
  now?: () => number
}

/** Abort reason of the retry scope when the deadline passes (as opposed to the caller's signal). */
const DEADLINE = Symbol('deadline')

/**
 * The state of one rotation-aware connection establishment, step by step, for drivers that retry
 * a login **in place** (on the object the application already holds) rather than by calling a
 * connect function again; {@link connectWithSecret} is the same loop for drivers that can.
 *
 * 1. {@link RotationAttempt.first} reads the credentials for the first login (from the cache).
 * 2. When the database rejects a login (an authentication failure, by the driver's own code),
 *    {@link RotationAttempt.canRetry} says synchronously whether the budget allows another one.
 * 3. If so, {@link RotationAttempt.next} forces a refresh of the secret (coalesced and
 *    rate-limited by the client; shared by every attempt that saw the same version rejected) and
 *    resolves the next credentials: a new version at once (its username may differ: dual-account
 *    rotation alternates accounts); else `ACSPrevious` once (the database may lag the secret in a
 *    single-account rotation); else the same credentials after a full-jitter backoff, refreshing
 *    again before each try, until the `maxTimeMs` deadline, where one last attempt starts.
 * 4. If not, {@link RotationAttempt.finish} turns the last driver error into what the caller gets:
 *    that error itself, marked `AUTH_RETRY_EXHAUSTED` (the driver's class and code kept), or
 *    `ABORTED` when the signal fired.
 *
 * Only connection establishment is retried, never a statement. KMS being down between attempts
 * does not end them (the database may accept the cached credentials once the rotation settles);
 * definitive answers (`SECRET_NOT_FOUND`, `ACCESS_DENIED`) reject {@link RotationAttempt.next}.
 * Call {@link RotationAttempt.close} when done: it releases the deadline timer.
 */
export class RotationAttempt {
  readonly #source: DatabaseSecretSource
  readonly #driver: string
  readonly #secretName: string
  readonly #versionStage: VersionStage
  readonly #budget: Readonly<Required<RotationRetryOptions>>
  readonly #signal: AbortSignal | undefined
  readonly #onAuthFailure: ((info: AuthFailureInfo) => void) | undefined
  readonly #timers: Timers
  readonly #random: () => number
  readonly #now: () => number
  readonly #started: number
  readonly #deadline: number
  /** Credentials of the attempt in progress (may be ACSPrevious's for a while). */
  #credentials: DatabaseCredentials | undefined
  /** The newest credentials of the requested stage. */
  #current: DatabaseCredentials | undefined
  #triedPrevious: boolean
  #attempts = 0
  #retries = 0
  /** The next attempt is the last one: a wait or a KMS call reached the deadline. */
  #lastAttempt = false
  #lastError: unknown
  /** Failures already reported to `onAuthFailure` (created at the first failure). */
  #recorded: WeakSet<object> | undefined
  #closed = false
  /** Ends the span of this login through a rotation (started at the first rejection). */
  #endSpan: ((logins: number, ok: boolean) => void) | undefined
  #exhausted = false
  /** Created at the first authentication failure only, so a plain connect costs no timer. */
  #scope: { signal: AbortSignal; close(): void } | undefined

  /** @throws {@link SecretClientError} `INVALID_CONFIG` for a malformed `retry`. */
  constructor(options: RotationAttemptOptions) {
    this.#source = options.source
    this.#driver = options.driver ?? 'unknown'
    this.#secretName = options.secretName
    this.#versionStage = options.versionStage ?? 'ACSCurrent'
    this.#budget = resolveRotationRetry(options.retry)
    this.#signal = options.signal
    this.#onAuthFailure = options.onAuthFailure
    this.#timers = options.timers ?? globalTimers
    this.#random = options.random ?? Math.random
    this.#now = options.now ?? Date.now
    this.#started = options.first?.startedAt ?? this.#now()
    this.#deadline = this.#started + this.#budget.maxTimeMs
    this.#triedPrevious = this.#versionStage !== 'ACSCurrent'
    if (options.first !== undefined) {
      this.#current = options.first.credentials
      this.#credentials = options.first.credentials
      this.#attempts = 1
    }
  }

  /** Attempts started so far, the first one included. */
  get attempts(): number {
    return this.#attempts
  }

  /** Credentials of the attempt in progress, once {@link RotationAttempt.first} resolved. */
  get credentials(): DatabaseCredentials | undefined {
    return this.#credentials
  }

  /**
   * Credentials for the first attempt, from the cache (a KMS call only on a miss).
   * @throws {@link SecretClientError} when the secret cannot be read, `ABORTED` when the signal fired.
   */
  async first(): Promise<DatabaseCredentials> {
    const signal = this.#signal
    if (signal?.aborted) throw this.#aborted()
    const credentials = await this.#source.getDatabaseCredentials(
      this.#secretName,
      signal === undefined
        ? { versionStage: this.#versionStage }
        : { versionStage: this.#versionStage, signal },
    )
    this.#current = credentials
    this.#credentials = credentials
    this.#attempts = 1
    return credentials
  }

  /**
   * Whether another attempt may follow an authentication failure now: the budget is not spent
   * (attempts, deadline, last attempt made), the signal has not fired and the attempt is open.
   */
  canRetry(): boolean {
    return (
      !this.#closed &&
      this.#credentials !== undefined &&
      !this.#signal?.aborted &&
      !this.#lastAttempt &&
      this.#attempts < this.#budget.maxAttempts &&
      this.#now() <= this.#deadline
    )
  }

  /**
   * The credentials for the next attempt after `error`, an authentication failure of the current
   * ones. When no retry is allowed ({@link RotationAttempt.canRetry}), rejects with
   * {@link RotationAttempt.finish}'s error.
   * @throws `ABORTED` when the signal fires; `SECRET_NOT_FOUND`/`ACCESS_DENIED` (and other
   *   definitive KMS errors) from the refresh.
   */
  async next(error: unknown): Promise<DatabaseCredentials> {
    if (!this.canRetry()) throw this.finish(error)
    this.#record(error)
    const telemetry = kitTelemetry()
    telemetry?.authFailure(this.#driver, 'retried')
    this.#endSpan ??= telemetry?.rotationLogin(this.#driver, this.#secretName)
    this.#scope ??= this.#retryScope()
    const credentials = await this.#nextCredentials(this.#scope.signal)
    if (this.#signal?.aborted) throw this.#aborted()
    // An attempt that starts past the deadline (the refresh or wait reached it) is the last one.
    if (this.#now() > this.#deadline) this.#lastAttempt = true
    this.#attempts += 1
    this.#credentials = credentials
    return credentials
  }

  /**
   * What the caller gets when no further attempt follows the authentication failure `error`:
   * `ABORTED` when the signal fired, else `error` marked as the end of the budget (see
   * `markAuthRetryExhausted`).
   */
  finish(error: unknown): unknown {
    this.#record(error)
    if (this.#signal?.aborted) return this.#aborted()
    kitTelemetry()?.authFailure(this.#driver, 'exhausted')
    this.#exhausted = true
    return markAuthRetryExhausted(error, this.#details())
  }

  /** Ends the attempt: releases the deadline timer; {@link RotationAttempt.canRetry} is false after. */
  close(): void {
    this.#closed = true
    this.#scope?.close()
    // Closed after a retried login that was not rejected again: the rotation got through.
    this.#endSpan?.(this.#attempts, !this.#exhausted && !this.#signal?.aborted)
    this.#endSpan = undefined
  }

  #details(): AuthRetryExhausted {
    return {
      secretName: this.#secretName,
      attempts: this.#attempts,
      elapsedMs: this.#now() - this.#started,
      versionId: this.#credentials?.versionId,
    }
  }

  #record(error: unknown): void {
    if (error !== null && typeof error === 'object') {
      this.#recorded ??= new WeakSet()
      if (this.#recorded.has(error)) return
      this.#recorded.add(error)
    }
    this.#lastError = error
    const credentials = this.#credentials
    if (credentials === undefined) return
    this.#onAuthFailure?.({
      secretName: this.#secretName,
      attempt: this.#attempts,
      versionId: credentials.versionId,
      username: credentials.username,
      error,
    })
  }

  #aborted(): SecretClientError {
    return new SecretClientError('ABORTED', `secret "${this.#secretName}": connect aborted`, {
      cause: this.#lastError ?? this.#signal?.reason,
      secretName: this.#secretName,
    })
  }

  /**
   * A signal for the KMS calls and waits between attempts: it fires when the caller's does, or
   * at the deadline (then they are abandoned, not failed). Uses the global timers, not the
   * `timers` seam, which tests use to skip waits.
   */
  #retryScope(): { signal: AbortSignal; close(): void } {
    const signal = this.#signal
    const controller = new AbortController()
    const timer = globalTimers.setTimeout(
      () => controller.abort(DEADLINE),
      Math.max(0, this.#deadline - this.#now()),
    )
    // Only a KMS call or a backoff wait (each keeping the process alive on its own) needs the
    // deadline: an attempt its driver gave up on silently must not hold the process for it.
    ;(timer as { unref?: () => void }).unref?.()
    const close = () => {
      globalTimers.clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      close()
      controller.abort(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    return { signal: controller.signal, close }
  }

  /** After the retry scope fired: the caller's abort ends the attempt, the deadline ends the step. */
  #interrupted(): undefined {
    if (this.#signal?.aborted) throw this.#aborted()
    return undefined
  }

  async #nextCredentials(within: AbortSignal): Promise<DatabaseCredentials> {
    const fresh = await this.#refreshed(within)
    if (fresh !== undefined) return fresh
    if (!this.#triedPrevious) {
      this.#triedPrevious = true
      const previous = await this.#previousCredentials(within)
      if (previous !== undefined) return previous
    }
    const current = this.#current as DatabaseCredentials
    const remaining = this.#deadline - this.#now()
    if (remaining <= 0) {
      this.#lastAttempt = true
      return current
    }
    const delay = backoffDelay(this.#retries, this.#budget, this.#random)
    this.#retries += 1
    if (delay >= remaining) {
      // The wait is cut short at the deadline, where one last attempt starts with the
      // credentials at hand (a refresh started then could only be abandoned).
      await this.#sleep(remaining, within)
      this.#lastAttempt = true
      return this.#current as DatabaseCredentials
    }
    await this.#sleep(delay, within)
    return (await this.#refreshed(within)) ?? (this.#current as DatabaseCredentials)
  }

  async #sleep(ms: number, within: AbortSignal): Promise<void> {
    try {
      await abortableSleep(ms, within, this.#timers)
    } catch {
      this.#interrupted()
    }
  }

  /** New credentials when the secret has (or a forced refresh finds) a version other than the current one. */
  async #refreshed(within: AbortSignal): Promise<DatabaseCredentials | undefined> {
    const current = this.#current as DatabaseCredentials
    const stage = this.#versionStage
    try {
      // Another attempt may already have refreshed past the rejected version: no KMS call then.
      const cached = await this.#source.getDatabaseCredentials(this.#secretName, {
        versionStage: stage,
        signal: within,
      })
      if (cached.versionId !== current.versionId) {
        this.#current = cached
        return cached
      }
      const info = await sharedRefresh(this.#source, this.#secretName, stage, current, within)
      if (info.versionId === current.versionId) return undefined
      this.#current = await this.#source.getDatabaseCredentials(this.#secretName, {
        versionStage: stage,
        signal: within,
      })
      return this.#current
    } catch (err) {
      if (within.aborted) return this.#interrupted()
      // KMS being down must not end the attempt: the database may accept the cached credentials
      // again once the rotation settles. Definitive answers (not found, denied) end it.
      if (err instanceof SecretClientError && err.retryable) return undefined
      throw err
    }
  }

  async #previousCredentials(within: AbortSignal): Promise<DatabaseCredentials | undefined> {
    try {
      const previous = await this.#source.getDatabaseCredentials(this.#secretName, {
        versionStage: 'ACSPrevious',
        signal: within,
      })
      return previous.versionId === (this.#current as DatabaseCredentials).versionId
        ? undefined
        : previous
    } catch (err) {
      if (within.aborted) return this.#interrupted()
      // A secret that was never rotated has no ACSPrevious: nothing to fall back on.
      if (err instanceof SecretClientError && (err.code === 'SECRET_NOT_FOUND' || err.retryable)) {
        return undefined
      }
      throw err
    }
  }
}

/**
 * Forced refreshes in flight, by owner, then by secret, stage and the version the database
 * rejected. Owners are the rejected credentials object and the source (see {@link sharedRefresh}).
 */
const refreshesInFlight = new WeakMap<
  object,
  Map<string, Promise<{ readonly versionId: string }>>
>()

/**
 * `source.refreshNow`, shared by the attempts that saw the same version rejected. The client's
 * `refreshNow` never reuses a request sent before it was called (right in general: that request may
 * predate a rotation); but a refresh started because this very version was rejected was sent after
 * the rotation, so joining it is safe, and a storm of failures arriving over a few milliseconds
 * costs one KMS call instead of two.
 *
 * Sharing is keyed on the rejected credentials object first: a `SecretCacheClient` hands out one
 * object per cached version, and drivers pass it through, so every pool and connection reading
 * through one client shares the refresh even when each wraps the client in its own source object.
 * The source is a second key, for sources that build a new object on every read. The shared call
 * takes no caller's signal; each caller stops waiting when its own fires.
 */
function sharedRefresh(
  source: DatabaseSecretSource,
  secretName: string,
  versionStage: VersionStage,
  rejected: DatabaseCredentials,
  signal: AbortSignal,
): Promise<{ readonly versionId: string }> {
  const key = JSON.stringify([secretName, versionStage, rejected.versionId])
  const owners: object[] = [rejected, source]
  let refresh = owners.map((owner) => refreshesInFlight.get(owner)?.get(key)).find(Boolean)
  if (refresh === undefined) {
    const started = source.refreshNow(secretName, { versionStage })
    for (const owner of owners) {
      let byKey = refreshesInFlight.get(owner)
      if (byKey === undefined) {
        byKey = new Map()
        refreshesInFlight.set(owner, byKey)
      }
      const pending = byKey
      pending.set(key, started)
      const forget = () => {
        if (pending.get(key) === started) pending.delete(key)
      }
      started.then(forget, forget)
    }
    refresh = started
  }
  return waitFor(refresh, signal)
}

/**
 * The cached credentials of `secretName`, synchronously, when the source can tell them
 * (`peekDatabaseCredentials`, which `SecretCacheClient` has) and a read would be a cache hit;
 * otherwise `undefined`. A driver starts its login with them in the caller's tick and builds a
 * {@link RotationAttempt} (with `first`) only if the database rejects them: the common connect
 * costs one cache lookup.
 * @throws {@link SecretClientError} `CLOSED` for a closed client.
 */
export function peekCredentials(
  source: DatabaseSecretSource,
  secretName: string,
  versionStage: VersionStage,
): DatabaseCredentials | undefined {
  return source.peekDatabaseCredentials?.(secretName, { versionStage })
}
