import { SecretClientError } from '../errors.js'
import { abortableSleep } from '../internal/abortable-sleep.js'
import { backoffDelay } from '../internal/backoff.js'
import { globalTimers, type Timers } from '../internal/timers.js'
import { waitFor } from '../internal/wait-for.js'
import type { DatabaseCredentials, GetSecretOptions, VersionStage } from '../types.js'
import { AuthRetryExhaustedError } from './auth-retry-exhausted-error.js'

/**
 * What {@link connectWithSecret} needs from a secret client; {@link SecretCacheClient} fits.
 * Structural, so a wrapper can be tested with anything of this shape.
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
}

/**
 * Retry budget for connecting through a rotation. `maxTimeMs` is the real bound: a deadline from
 * the call. `maxAttempts` is an optional extra cap, unlimited by default, because a count cannot
 * tell how long a rotation window lasts: the client refreshes a secret that did not change at
 * most once per `minRefreshIntervalMs` (5 s by default), so a count of quick retries could run
 * out before the refresh that sees the new version is even allowed.
 */
export interface RotationRetryOptions {
  /**
   * Connection attempts in all, the first one included (`Infinity`: only the deadline counts).
   * @default Infinity
   */
  maxAttempts?: number
  /**
   * Deadline in milliseconds, from the call: no attempt starts after it, a backoff wait that
   * would cross it is cut short so that one last attempt starts at the deadline, and KMS calls
   * between attempts are abandoned at it. An attempt in progress is not interrupted (the
   * driver's connect timeout bounds it), so the call ends within `maxTimeMs` plus one connect.
   * The default outlasts the client's default `minRefreshIntervalMs` (5 s) several times, so a
   * rotation window that the first forced refresh did not see is still picked up by a later one.
   * @default 30000
   */
  maxTimeMs?: number
  /**
   * Base of the full-jitter backoff between attempts that found no new version.
   * @default 100
   */
  baseDelayMs?: number
  /**
   * Cap of one wait.
   * @default 2000
   */
  maxDelayMs?: number
}

/** One authentication failure seen by {@link connectWithSecret}; never carries a password. */
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

/** Options of {@link connectWithSecret}. */
export interface ConnectWithSecretOptions<T> {
  /** Where credentials come from, usually a {@link SecretCacheClient}. */
  source: DatabaseSecretSource
  /** Name of the database secret. */
  secretName: string
  /**
   * Stage to read.
   * @default 'ACSCurrent'
   */
  versionStage?: VersionStage
  /** Opens one connection with the given credentials; rejects with the driver's error. */
  connect(credentials: DatabaseCredentials): Promise<T>
  /** Whether a `connect` error means the credentials were rejected (driver-specific, by code). */
  isAuthFailure(error: unknown): boolean
  /** Retry budget. */
  retry?: RotationRetryOptions
  /**
   * Aborts the call: a KMS call or backoff wait in progress ends at once with `ABORTED` (the
   * last driver error, else the signal's reason, as `cause`); a driver `connect` in progress is
   * the driver's to abort (pass the same signal to it).
   */
  signal?: AbortSignal
  /** Called on every authentication failure, e.g. to log or emit an event. */
  onAuthFailure?(info: AuthFailureInfo): void
  /** @internal Test seams. */
  timers?: Timers
  /** @internal */
  random?: () => number
  /** @internal */
  now?: () => number
}

/** Result of {@link connectWithSecret}: the connection and the credentials that opened it. */
export interface ConnectedWithSecret<T> {
  connection: T
  credentials: DatabaseCredentials
}

const DEFAULTS: Required<RotationRetryOptions> = Object.freeze({
  maxAttempts: Number.POSITIVE_INFINITY,
  maxTimeMs: 30_000,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
})

/**
 * Resolves a {@link RotationRetryOptions} against the defaults, checking every field: wrappers
 * call it when their options are given, so a bad budget fails at once rather than at the first
 * connect. Unknown keys are ignored.
 * @param optionName - how the caller's option is named in error messages, e.g. `rotationRetry`.
 * @throws {@link SecretClientError} `INVALID_CONFIG` naming the bad field.
 */
export function resolveRotationRetry(
  retry: unknown,
  optionName = 'retry',
): Required<RotationRetryOptions> {
  // The common case, no options: nothing to merge or check on a connect.
  if (retry === undefined) return DEFAULTS
  if (retry === null || typeof retry !== 'object' || Array.isArray(retry)) {
    throw new SecretClientError('INVALID_CONFIG', `${optionName} must be an object`)
  }
  const budget = { ...DEFAULTS }
  for (const key of Object.keys(DEFAULTS) as Array<keyof RotationRetryOptions>) {
    const value: unknown = (retry as RotationRetryOptions)[key]
    if (value === undefined) continue
    const min = key === 'maxAttempts' ? 1 : 0
    // Only the count may be unlimited: an infinite deadline or wait would never end.
    const finite =
      typeof value === 'number' &&
      (key === 'maxAttempts' ? !Number.isNaN(value) : Number.isFinite(value))
    if (!finite || (value as number) < min) {
      throw new SecretClientError(
        'INVALID_CONFIG',
        `${optionName}.${key} must be a number ≥ ${min}`,
      )
    }
    budget[key] = value as number
  }
  return Object.freeze(budget)
}

/** Abort reason of the retry scope when the deadline passes (as opposed to the caller's signal). */
const DEADLINE = Symbol('deadline')

/**
 * Opens a database connection with credentials from a secret, and gets through a password
 * rotation: when the database rejects the credentials it forces a refresh of the secret (coalesced
 * and rate-limited by the client, so a storm of failures costs one KMS call) and
 *
 * 1. if the version changed, connects again at once with the new credentials (the username may
 *    change too, as dual-account rotation alternates accounts);
 * 2. if it did not (the secret and the database are briefly out of step in a single-account
 *    rotation), tries the `ACSPrevious` credentials once;
 * 3. then retries with full-jitter backoff until the `retry.maxTimeMs` deadline (30 s by
 *    default; see {@link RotationRetryOptions}), refreshing before each try;
 * 4. and finally throws {@link AuthRetryExhaustedError} with the last driver error as `cause`.
 *
 * Forced refreshes are shared by every concurrent call that saw the same credentials rejected,
 * whichever wrapper object they were read through, so pools sharing one client share them too.
 * Only connection establishment is retried, never a statement. Errors that are not authentication
 * failures are rethrown at once, as are definitive secret errors (`SECRET_NOT_FOUND`,
 * `ACCESS_DENIED`); `signal` ends the call with `ABORTED`. A bad `retry` is `INVALID_CONFIG`.
 */
export async function connectWithSecret<T>(
  options: ConnectWithSecretOptions<T>,
): Promise<ConnectedWithSecret<T>> {
  const { source, secretName, connect, isAuthFailure } = options
  const versionStage = options.versionStage ?? 'ACSCurrent'
  const budget = resolveRotationRetry(options.retry)
  // No stand-in "never" signal when none is given: one shared signal would collect a listener
  // per concurrent call (MaxListenersExceededWarning).
  const signal = options.signal
  const timers = options.timers ?? globalTimers
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const started = now()
  const deadline = started + budget.maxTimeMs
  let credentials = await source.getDatabaseCredentials(
    secretName,
    signal === undefined ? { versionStage } : { versionStage, signal },
  )
  // The newest credentials of the requested stage; `credentials` may be ACSPrevious's for a while.
  let current = credentials
  let triedPrevious = versionStage !== 'ACSCurrent'
  let attempts = 0
  let retries = 0
  /** The wait before this attempt was cut short at the deadline: no further one follows. */
  let lastAttempt = false
  let lastError: unknown
  // Created at the first authentication failure only, so a plain connect costs no timer.
  let scope: { signal: AbortSignal; close(): void } | undefined
  const exhausted = () =>
    new AuthRetryExhaustedError(secretName, {
      attempts,
      elapsedMs: now() - started,
      versionId: credentials.versionId,
      cause: lastError,
    })
  try {
    for (;;) {
      if (signal?.aborted) throw aborted(secretName, signal.reason, lastError)
      if (attempts > 0 && !lastAttempt && now() > deadline) throw exhausted()
      attempts += 1
      try {
        return { connection: await connect(credentials), credentials }
      } catch (error) {
        if (!isAuthFailure(error)) throw error
        lastError = error
        options.onAuthFailure?.({
          secretName,
          attempt: attempts,
          versionId: credentials.versionId,
          username: credentials.username,
          error,
        })
        scope ??= retryScope()
        const next = await nextCredentials(scope.signal)
        if (next === undefined) throw exhausted()
        credentials = next
      }
    }
  } finally {
    scope?.close()
  }

  /**
   * A signal for the KMS calls and waits between attempts: it fires when the caller's does, or
   * at the deadline (then they are abandoned, not failed). Uses the global timers, not the
   * `timers` seam, which tests use to skip waits.
   */
  function retryScope(): { signal: AbortSignal; close(): void } {
    const controller = new AbortController()
    const onAbort = () => controller.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer = globalTimers.setTimeout(
      () => controller.abort(DEADLINE),
      Math.max(0, deadline - now()),
    )
    return {
      signal: controller.signal,
      close() {
        globalTimers.clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      },
    }
  }

  /** After the retry scope fired: the caller's abort ends the call, the deadline ends the step. */
  function interrupted(): undefined {
    if (signal?.aborted) throw aborted(secretName, signal.reason, lastError)
    return undefined
  }

  /** Credentials for the next attempt, or `undefined` when the budget is spent. */
  async function nextCredentials(within: AbortSignal): Promise<DatabaseCredentials | undefined> {
    if (attempts >= budget.maxAttempts || lastAttempt) return undefined
    const fresh = await refreshed(within)
    if (fresh !== undefined) return fresh
    if (!triedPrevious) {
      triedPrevious = true
      const previous = await previousCredentials(within)
      if (previous !== undefined) return previous
    }
    const remaining = deadline - now()
    if (remaining <= 0) return undefined
    const delay = backoffDelay(retries, budget, random)
    retries += 1
    if (delay >= remaining) {
      // The wait is cut short at the deadline, where one last attempt starts with the
      // credentials at hand (a refresh started then could only be abandoned).
      await sleep(remaining, within)
      lastAttempt = true
      return current
    }
    await sleep(delay, within)
    return (await refreshed(within)) ?? current
  }

  async function sleep(ms: number, within: AbortSignal): Promise<void> {
    try {
      await abortableSleep(ms, within, timers)
    } catch {
      interrupted()
    }
  }

  /** New credentials when the secret has (or a forced refresh finds) a version other than the current one. */
  async function refreshed(within: AbortSignal): Promise<DatabaseCredentials | undefined> {
    try {
      // Another attempt may already have refreshed past the rejected version: no KMS call then.
      const cached = await source.getDatabaseCredentials(secretName, {
        versionStage,
        signal: within,
      })
      if (cached.versionId !== current.versionId) {
        current = cached
        return current
      }
      const info = await sharedRefresh(source, secretName, versionStage, current, within)
      if (info.versionId === current.versionId) return undefined
      current = await source.getDatabaseCredentials(secretName, { versionStage, signal: within })
      return current
    } catch (err) {
      if (within.aborted) return interrupted()
      // KMS being down must not end the attempt: the database may accept the cached credentials
      // again once the rotation settles. Definitive answers (not found, denied) end it.
      if (err instanceof SecretClientError && err.retryable) return undefined
      throw err
    }
  }

  async function previousCredentials(
    within: AbortSignal,
  ): Promise<DatabaseCredentials | undefined> {
    try {
      const previous = await source.getDatabaseCredentials(secretName, {
        versionStage: 'ACSPrevious',
        signal: within,
      })
      return previous.versionId === current.versionId ? undefined : previous
    } catch (err) {
      if (within.aborted) return interrupted()
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
 * object per cached version, and driver wrappers pass it through, so every pool and connection
 * reading through one client shares the refresh even when each wraps the client in its own source
 * object. The source is a second key, for sources that build a new object on every read. The
 * shared call takes no caller's signal; each caller stops waiting when its own fires.
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

function aborted(secretName: string, reason: unknown, lastError?: unknown): SecretClientError {
  return new SecretClientError('ABORTED', `secret "${secretName}": connect aborted`, {
    cause: lastError ?? reason,
    secretName,
  })
}
