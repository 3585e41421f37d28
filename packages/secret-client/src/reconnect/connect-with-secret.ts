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

/** Retry budget for connecting through a rotation. Both limits apply; the first reached stops. */
export interface RotationRetryOptions {
  /**
   * Connection attempts in all, the first one included.
   * @default 10
   */
  maxAttempts?: number
  /**
   * Total time budget in milliseconds. The default outlasts the client's default
   * `minRefreshIntervalMs` (5 s) several times, so a single-account rotation window that the first
   * forced refresh did not see is still picked up by a later one.
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
  /** Aborts the retries (the error is the signal's reason wrapped as `ABORTED`). */
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

const DEFAULTS = { maxAttempts: 10, maxTimeMs: 30_000, baseDelayMs: 100, maxDelayMs: 2_000 }
const NEVER = new AbortController().signal

function checkBudget(retry: RotationRetryOptions | undefined): Required<RotationRetryOptions> {
  const budget = { ...DEFAULTS, ...retry }
  for (const [key, value] of Object.entries(budget)) {
    const min = key === 'maxAttempts' ? 1 : 0
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new SecretClientError('INVALID_CONFIG', `retry.${key} must be a number ≥ ${min}`)
    }
  }
  return budget
}

/**
 * Opens a database connection with credentials from a secret, and gets through a password
 * rotation: when the database rejects the credentials it forces a refresh of the secret (coalesced
 * and rate-limited by the client, so a storm of failures costs one KMS call) and
 *
 * 1. if the version changed, connects again at once with the new credentials (the username may
 *    change too, as dual-account rotation alternates accounts);
 * 2. if it did not (the secret and the database are briefly out of step in a single-account
 *    rotation), tries the `ACSPrevious` credentials once;
 * 3. then retries with full-jitter backoff inside the budget (`retry`), refreshing before each try;
 * 4. and finally throws {@link AuthRetryExhaustedError} with the last driver error as `cause`.
 *
 * Only connection establishment is retried, never a statement. Errors that are not authentication
 * failures are rethrown at once, as are definitive secret errors (not found, access denied).
 */
export async function connectWithSecret<T>(
  options: ConnectWithSecretOptions<T>,
): Promise<ConnectedWithSecret<T>> {
  const { source, secretName, connect, isAuthFailure } = options
  const versionStage = options.versionStage ?? 'ACSCurrent'
  const budget = checkBudget(options.retry)
  const signal = options.signal ?? NEVER
  const timers = options.timers ?? globalTimers
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const started = now()
  let credentials = await source.getDatabaseCredentials(secretName, { versionStage, signal })
  // The newest credentials of the requested stage; `credentials` may be ACSPrevious's for a while.
  let current = credentials
  let triedPrevious = versionStage !== 'ACSCurrent'
  let attempts = 0
  let retries = 0
  for (;;) {
    if (signal.aborted) throw aborted(secretName, signal.reason)
    attempts += 1
    try {
      return { connection: await connect(credentials), credentials }
    } catch (error) {
      if (!isAuthFailure(error)) throw error
      options.onAuthFailure?.({
        secretName,
        attempt: attempts,
        versionId: credentials.versionId,
        username: credentials.username,
        error,
      })
      const next = await nextCredentials(error)
      if (next !== undefined) {
        credentials = next
        continue
      }
      throw new AuthRetryExhaustedError(secretName, {
        attempts,
        elapsedMs: now() - started,
        versionId: credentials.versionId,
        cause: error,
      })
    }
  }

  /** Credentials for the next attempt, or `undefined` when the budget is spent. */
  async function nextCredentials(error: unknown): Promise<DatabaseCredentials | undefined> {
    if (attempts >= budget.maxAttempts) return undefined
    const fresh = await refreshed()
    if (fresh !== undefined) return fresh
    if (!triedPrevious) {
      triedPrevious = true
      const previous = await previousCredentials()
      if (previous !== undefined) return previous
    }
    const delay = backoffDelay(retries, budget, random)
    retries += 1
    if (now() - started + delay > budget.maxTimeMs) return undefined
    try {
      await abortableSleep(delay, signal, timers)
    } catch (reason) {
      throw aborted(secretName, reason, error)
    }
    return (await refreshed()) ?? current
  }

  /** New credentials when the secret has (or a forced refresh finds) a version other than the current one. */
  async function refreshed(): Promise<DatabaseCredentials | undefined> {
    try {
      // Another attempt may already have refreshed past the rejected version: no KMS call then.
      const cached = await source.getDatabaseCredentials(secretName, { versionStage, signal })
      if (cached.versionId !== current.versionId) {
        current = cached
        return current
      }
      const info = await sharedRefresh(source, secretName, versionStage, current.versionId, signal)
      if (info.versionId === current.versionId) return undefined
      current = await source.getDatabaseCredentials(secretName, { versionStage, signal })
      return current
    } catch (err) {
      // KMS being down must not end the attempt: the database may accept the cached credentials
      // again once the rotation settles. Definitive answers (not found, denied) end it.
      if (err instanceof SecretClientError && err.retryable) return undefined
      throw err
    }
  }

  async function previousCredentials(): Promise<DatabaseCredentials | undefined> {
    try {
      const previous = await source.getDatabaseCredentials(secretName, {
        versionStage: 'ACSPrevious',
        signal,
      })
      return previous.versionId === current.versionId ? undefined : previous
    } catch (err) {
      // A secret that was never rotated has no ACSPrevious: nothing to fall back on.
      if (err instanceof SecretClientError && (err.code === 'SECRET_NOT_FOUND' || err.retryable)) {
        return undefined
      }
      throw err
    }
  }
}

/** Forced refreshes in flight, per source, by secret, stage and the version the database rejected. */
const refreshesInFlight = new WeakMap<
  DatabaseSecretSource,
  Map<string, Promise<{ readonly versionId: string }>>
>()

/**
 * `source.refreshNow`, shared by the attempts that saw the same version rejected. The client's
 * `refreshNow` never reuses a request sent before it was called (right in general: that request may
 * predate a rotation); but a refresh started because this very version was rejected was sent after
 * the rotation, so joining it is safe, and a storm of failures arriving over a few milliseconds
 * costs one KMS call instead of two. The shared call takes no caller's signal; each caller stops
 * waiting when its own fires.
 */
function sharedRefresh(
  source: DatabaseSecretSource,
  secretName: string,
  versionStage: VersionStage,
  rejectedVersionId: string,
  signal: AbortSignal,
): Promise<{ readonly versionId: string }> {
  let pending = refreshesInFlight.get(source)
  if (pending === undefined) {
    pending = new Map()
    refreshesInFlight.set(source, pending)
  }
  const bySecret = pending
  const key = JSON.stringify([secretName, versionStage, rejectedVersionId])
  let refresh = bySecret.get(key)
  if (refresh === undefined) {
    const started = source.refreshNow(secretName, { versionStage })
    const forget = () => {
      if (bySecret.get(key) === started) bySecret.delete(key)
    }
    started.then(forget, forget)
    bySecret.set(key, started)
    refresh = started
  }
  if (signal === NEVER) return refresh
  return waitFor(refresh, signal, (reason) => aborted(secretName, reason))
}

function aborted(secretName: string, reason: unknown, lastError?: unknown): SecretClientError {
  return new SecretClientError('ABORTED', `secret "${secretName}": connect aborted`, {
    cause: lastError ?? reason,
    secretName,
  })
}
