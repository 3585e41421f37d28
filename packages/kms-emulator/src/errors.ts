/**
 * Codes of {@link KmsEmulatorError} raised by the library API itself (not by a KMS operation).
 *
 * | code | meaning |
 * |---|---|
 * | `INVALID_OPTIONS` | an option of `startKmsEmulator` or of a CLI `--config` file is invalid |
 * | `ADDRESS_IN_USE` | the host and port to listen on are taken by another process |
 * | `STATE_FILE_INVALID` | the `stateFile` exists but cannot be read as emulator state |
 * | `ACCOUNT_NOT_FOUND` | an initial Rds secret imports a database account that does not exist |
 * | `ACCOUNT_LOGIN_FAILED` | an initial Rds secret's account rejects its `accountPassword` |
 * | `DATABASE_UNAVAILABLE` | the database of an initial Rds secret could not be reached, or refused the account's set-up |
 * | `CLOSED` | the emulator was closed |
 *
 * Subclasses carry their own codes: {@link KmsApiError} the KMS error code (e.g.
 * `Forbidden.ResourceNotFound`), `DatabaseEngineError` a `DatabaseEngineErrorCode`.
 */
export type KmsEmulatorErrorCode =
  | 'INVALID_OPTIONS'
  | 'ADDRESS_IN_USE'
  | 'STATE_FILE_INVALID'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_LOGIN_FAILED'
  | 'DATABASE_UNAVAILABLE'
  | 'CLOSED'

/**
 * Base error of `@org/kms-emulator`. `err instanceof KmsEmulatorError` catches every error the
 * library throws; {@link KmsApiError} is the subclass for KMS operation failures. Messages never
 * contain a secret value or a password.
 */
export class KmsEmulatorError extends Error {
  override name = 'KmsEmulatorError'
  /** A {@link KmsEmulatorErrorCode}, or for a {@link KmsApiError} the KMS error code. */
  readonly code: string

  constructor(code: KmsEmulatorErrorCode | string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/**
 * A KMS operation failed the way the real service fails: `code` is the KMS error code (e.g.
 * `Forbidden.ResourceNotFound`) and `httpStatus` the status the HTTP API answers with.
 */
export class KmsApiError extends KmsEmulatorError {
  override name = 'KmsApiError'
  /** HTTP status of the error response. */
  readonly httpStatus: number

  constructor(code: string, httpStatus: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.httpStatus = httpStatus
  }
}
