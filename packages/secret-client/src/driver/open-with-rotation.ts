import type { DatabaseCredentials } from '../types.js'
import { LoginRotation } from './login-rotation.js'
import type { DriverSecret } from './resolve-driver-options.js'
import type { DatabaseSecretSource } from './rotation-attempt.js'

/** The credentials of one attempt: synchronous when cached (the driver opens in this tick). */
export type AttemptCredentials = () => DatabaseCredentials | Promise<DatabaseCredentials>

/** Options of {@link openWithRotation}. */
export interface OpenWithRotationOptions<T> {
  /** The driver's resolved secret options. */
  secret: DriverSecret
  /**
   * The credential source, resolved once at the start (a pool passes its generations' source).
   * What it throws (a default client without KMS settings) is the callback's error.
   * @default `secret.source`
   */
  source?: () => DatabaseSecretSource
  /**
   * The pool's end: aborts a wait between retries (the callback gets `ABORTED`). A login in
   * flight meets the end as the driver's own would.
   */
  closing: AbortSignal
  /** Whether a driver error means the credentials were rejected. */
  isAuthFailure(error: unknown): boolean
  /** Whether the pool is closed: a rejection then ends the rotation at once. */
  isClosed(): boolean
  /**
   * Opens one connection the driver's way and calls `done` once. `credentials` resolves the
   * attempt's credentials (call it when the driver's socket is about to connect); `controller`
   * aborts a wait for them (give it to the attempt's socket).
   */
  open(
    credentials: AttemptCredentials,
    controller: AbortController,
    done: (error: unknown, connection?: T) => void,
  ): void
  /**
   * Called once: the connection with the secret version of the last login attempt (a pool keeps
   * its own record for a connection the driver handed out instead of opening one), or the error —
   * the driver's own, or at the budget's end the driver's last rejection marked
   * `AUTH_RETRY_EXHAUSTED`.
   */
  callback(error: unknown, connection?: T, versionId?: string): void
}

/**
 * A pool's rotation-aware open, callback style, for drivers whose pool decides synchronously
 * whether to open a connection (mysql2): the first attempt starts in the caller's tick with
 * cached credentials; a rejected login (`isAuthFailure`) is followed by another `open` with the
 * next credentials of the rotation (`LoginRotation`: refresh, `ACSPrevious`, backoff) within the
 * `rotationRetry` budget. Other errors reach the callback at once, unchanged.
 */
export function openWithRotation<T>(options: OpenWithRotationOptions<T>): void {
  const { secret, closing, callback } = options
  let source: DatabaseSecretSource
  try {
    source = (options.source ?? secret.source)()
  } catch (error) {
    process.nextTick(() => callback(error))
    return
  }
  // Linked to the pool's end only while waiting between retries (see retry below).
  const abort = new AbortController()
  const login = new LoginRotation({ secret, source: () => source, signal: abort.signal })
  const onClosing = () => abort.abort(closing.reason)
  const settle = () => {
    closing.removeEventListener('abort', onClosing)
    login.close()
  }
  const opened = (error: unknown, connection?: T) => {
    if (error === null || error === undefined) {
      settle()
      callback(null, connection, login.versionId)
      return
    }
    if (options.isAuthFailure(error) && login.canRetry() && !options.isClosed()) {
      retry(error)
      return
    }
    settle()
    callback(options.isAuthFailure(error) ? login.finish(error) : error)
  }
  const retry = (rejected: unknown) => {
    if (closing.aborted) onClosing()
    else closing.addEventListener('abort', onClosing, { once: true })
    login.next(rejected).then(
      (credentials) => options.open(() => credentials, abort, opened),
      (error: unknown) => {
        settle()
        callback(error)
      },
    )
  }
  options.open(() => login.first(), abort, opened)
}
