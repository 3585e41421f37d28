import type { DatabaseCredentials } from '../types.js'
import { RotationAttempt, type RotationAttemptOptions } from './rotation-attempt.js'

/** Options of {@link connectWithSecret}. */
export interface ConnectWithSecretOptions<T> extends RotationAttemptOptions {
  /** Opens one connection with the given credentials; rejects with the driver's error. */
  connect(credentials: DatabaseCredentials): Promise<T>
  /** Whether a `connect` error means the credentials were rejected (driver-specific, by code). */
  isAuthFailure(error: unknown): boolean
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
 * @throws {@link SecretClientError} `INVALID_CONFIG` for a malformed `retry`.
 */
export async function connectWithSecret<T>(
  options: ConnectWithSecretOptions<T>,
): Promise<ConnectedWithSecret<T>> {
  const attempt = new RotationAttempt(options)
  try {
    let credentials = await attempt.first()
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
