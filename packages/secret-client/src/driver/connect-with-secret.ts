import type { DatabaseCredentials } from '../types.js'
import {
  peekCredentials,
  RotationAttempt,
  type RotationAttemptOptions,
} from './rotation-attempt.js'
import { resolveRotationRetry } from './rotation-retry.js'

/** Options of {@link connectWithSecret}. */
export interface ConnectWithSecretOptions<T> extends RotationAttemptOptions {
  /** Opens one connection with the given credentials; rejects with the driver's error. */
  connect(credentials: DatabaseCredentials): Promise<T>
  /** Whether a `connect` error means the credentials were rejected (driver-specific, by code). */
  isAuthFailure(error: unknown): boolean
  /**
   * With `first`: the authentication failure of that first attempt, made by the caller itself (a
   * driver's warm path that connected with `peekCredentials` at once); the loop starts with the
   * next credentials.
   */
  rejected?: unknown
}

/** Result of {@link connectWithSecret}: the connection and the credentials that opened it. */
export interface ConnectedWithSecret<T> {
  connection: T
  credentials: DatabaseCredentials
}

/**
 * Opens a database connection with credentials from a secret and gets through a password
 * rotation, for drivers whose connect can simply be called again: each authentication failure
 * (`isAuthFailure`) is followed by the next credentials of a {@link RotationAttempt} (refresh,
 * `ACSPrevious` once, jittered backoff up to the `maxTimeMs` deadline) and another `connect`.
 *
 * When the budget is spent it throws the **last driver error itself**, marked as
 * `AUTH_RETRY_EXHAUSTED` (its class, `code`, `errno` and `sqlState` kept; `attempts`,
 * `elapsedMs`, `versionId` and `secretName` added; recognised by
 * `isSecretClientError(err, 'AUTH_RETRY_EXHAUSTED')` and `instanceof AuthRetryExhaustedError`).
 * Errors that are not authentication failures are rethrown at once, as are definitive secret
 * errors (`SECRET_NOT_FOUND`, `ACCESS_DENIED`); `signal` ends the call with `ABORTED`. Only
 * connection establishment is retried, never a statement.
 *
 * With the credentials cached, `connect` is called synchronously and no rotation state is built
 * until the database rejects them: a warm connect costs one cache lookup.
 * @throws {@link SecretClientError} `INVALID_CONFIG` for a malformed `retry`.
 */
export function connectWithSecret<T>(
  options: ConnectWithSecretOptions<T>,
): Promise<ConnectedWithSecret<T>> {
  if (options.first !== undefined && options.rejected !== undefined) {
    return connectThroughRotation(options, options.rejected)
  }
  let cached: DatabaseCredentials | undefined
  try {
    resolveRotationRetry(options.retry)
    if (!options.signal?.aborted) {
      cached = peekCredentials(
        options.source,
        options.secretName,
        options.versionStage ?? 'ACSCurrent',
      )
    }
  } catch (error) {
    return Promise.reject(error)
  }
  if (cached === undefined) return connectThroughRotation(options, undefined)
  // Cached credentials (the common case): one connect, no rotation state built until the database
  // rejects them — the deadline then counts from this first attempt.
  const credentials = cached
  const startedAt = (options.now ?? Date.now)()
  let connecting: Promise<T>
  try {
    connecting = options.connect(credentials)
  } catch (error) {
    return Promise.reject(error)
  }
  return connecting.then(
    (connection) => ({ connection, credentials }),
    (error: unknown) => {
      if (!options.isAuthFailure(error)) throw error
      return connectThroughRotation({ ...options, first: { credentials, startedAt } }, error)
    },
  )
}

/** The loop from the first read, or (`rejected` given) after the rejection of `options.first`. */
async function connectThroughRotation<T>(
  options: ConnectWithSecretOptions<T>,
  rejected: unknown,
): Promise<ConnectedWithSecret<T>> {
  const attempt = new RotationAttempt(options)
  try {
    let credentials: DatabaseCredentials
    if (options.first === undefined) credentials = await attempt.first()
    else {
      if (!attempt.canRetry()) throw attempt.finish(rejected)
      credentials = await attempt.next(rejected)
    }
    for (;;) {
      try {
        return { connection: await options.connect(credentials), credentials }
      } catch (error) {
        if (!options.isAuthFailure(error)) throw error
        if (!attempt.canRetry()) throw attempt.finish(error)
        credentials = await attempt.next(error)
      }
    }
  } finally {
    attempt.close()
  }
}
