/** Codes of {@link SecretMysqlError}. */
export type SecretMysqlErrorCode = 'INVALID_OPTIONS'

/**
 * Thrown by `@org/secret-mysql` for bad options (a missing `secretName`, a `user`/`password`
 * next to it). Connection failures keep their own types: mysql2's errors, and
 * `AuthRetryExhaustedError` from `@org/secret-client` when the database keeps rejecting the
 * secret. Check with `instanceof SecretMysqlError` and switch on `code`.
 */
export class SecretMysqlError extends Error {
  override readonly name: string = 'SecretMysqlError'
  /** Stable code. */
  readonly code: SecretMysqlErrorCode

  constructor(code: SecretMysqlErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
