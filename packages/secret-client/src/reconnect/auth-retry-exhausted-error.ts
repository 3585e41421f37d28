import { SecretClientError } from '../errors.js'

/**
 * Thrown by {@link connectWithSecret} when the database kept rejecting the credentials from the
 * secret until the retry budget ran out. `cause` is the last driver error; `code` is
 * `AUTH_RETRY_EXHAUSTED`. Catch it with `instanceof AuthRetryExhaustedError` or
 * `isSecretClientError(err, 'AUTH_RETRY_EXHAUSTED')`.
 */
export class AuthRetryExhaustedError extends SecretClientError {
  override readonly name: string = 'AuthRetryExhaustedError'
  /** Connection attempts made. */
  readonly attempts: number
  /** Time spent, in milliseconds. */
  readonly elapsedMs: number
  /** Version id of the last credentials tried. */
  readonly versionId: string | undefined

  constructor(
    secretName: string,
    details: { attempts: number; elapsedMs: number; versionId: string | undefined; cause: unknown },
  ) {
    super(
      'AUTH_RETRY_EXHAUSTED',
      `secret "${secretName}": the database rejected its credentials ${details.attempts} time(s) in ${details.elapsedMs} ms`,
      { cause: details.cause, secretName },
    )
    this.attempts = details.attempts
    this.elapsedMs = details.elapsedMs
    this.versionId = details.versionId
  }
}
