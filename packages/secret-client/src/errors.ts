import {
  type AuthRetryExhausted,
  hasAuthRetryExhaustedMark,
} from './driver/auth-retry-exhausted-mark.js'

/**
 * Error codes of `@org/secret-client`. Every error the client throws is a
 * {@link SecretClientError} with one of these codes.
 *
 * | code | meaning | retried |
 * |---|---|---|
 * | `SECRET_NOT_FOUND` | no such secret or stage (`Forbidden.ResourceNotFound`), or it is scheduled for deletion | no |
 * | `ACCESS_DENIED` | the credential may not read it (`Forbidden.*`, `InvalidAccessKeyId.*`, bad signature) | no |
 * | `THROTTLED` | `Rejected.Throttling` after every retry | yes |
 * | `KMS_UNAVAILABLE` | `ServiceUnavailableTemporary`, `InternalFailure` or network errors after every retry | yes |
 * | `TIMEOUT` | a request exceeded `timeoutMs` after every retry | yes |
 * | `KMS_ERROR` | any other KMS error (e.g. `InvalidParameter`) | no |
 * | `INVALID_SECRET_VALUE` | the value is not what the method needs (not JSON, missing field, binary) | no |
 * | `INVALID_CONFIG` | a bad option or environment variable | no |
 * | `INVALID_ARGUMENT` | a bad argument to a method (empty secret name, unknown event, …) | no |
 * | `ABORTED` | the caller's `AbortSignal` fired | no |
 * | `CLOSED` | the client was closed | no |
 * | `AUTH_RETRY_EXHAUSTED` | the database kept rejecting the secret's credentials: the driver's own last error, marked (see `markAuthRetryExhausted`), or an `AuthRetryExhaustedError` | — |
 */
export type SecretClientErrorCode =
  | 'SECRET_NOT_FOUND'
  | 'ACCESS_DENIED'
  | 'THROTTLED'
  | 'KMS_UNAVAILABLE'
  | 'TIMEOUT'
  | 'KMS_ERROR'
  | 'INVALID_SECRET_VALUE'
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'ABORTED'
  | 'CLOSED'
  | 'AUTH_RETRY_EXHAUSTED'

/** Extra fields of a {@link SecretClientError}. */
export interface SecretClientErrorOptions {
  /** The underlying error (a KMS SDK error, a network error, …). */
  cause?: unknown
  /** Secret the failed call was about. */
  secretName?: string
  /** The KMS error code without the 1.x SDK's `Error` suffix, e.g. `Rejected.Throttling`. */
  kmsCode?: string
  /** KMS request id, for support tickets. */
  requestId?: string
  /** HTTP status, when known. */
  statusCode?: number
  /** Server hint in milliseconds before retrying, when KMS sent one. */
  retryAfterMs?: number
}

const RETRYABLE: ReadonlySet<SecretClientErrorCode> = new Set([
  'THROTTLED',
  'KMS_UNAVAILABLE',
  'TIMEOUT',
])

/**
 * The one error class of `@org/secret-client`. Check `err instanceof SecretClientError` and switch
 * on `err.code`. Messages name the secret and the KMS code, never a secret value.
 */
export class SecretClientError extends Error {
  override readonly name: string = 'SecretClientError'
  /** Stable, documented code; see {@link SecretClientErrorCode}. */
  readonly code: SecretClientErrorCode
  /** Secret the failed call was about. */
  readonly secretName: string | undefined
  /** KMS error code without the 1.x SDK's `Error` suffix. */
  readonly kmsCode: string | undefined
  /** KMS request id. */
  readonly requestId: string | undefined
  /** HTTP status, when known. */
  readonly statusCode: number | undefined
  /** Server hint in milliseconds before retrying. */
  readonly retryAfterMs: number | undefined

  constructor(
    code: SecretClientErrorCode,
    message: string,
    options: SecretClientErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.secretName = options.secretName
    this.kmsCode = options.kmsCode
    this.requestId = options.requestId
    this.statusCode = options.statusCode
    this.retryAfterMs = options.retryAfterMs
  }

  /** Whether a later attempt may succeed (throttling, unavailability, timeouts). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code)
  }
}

/**
 * Type guard for {@link SecretClientError}, optionally of one code.
 *
 * With `'AUTH_RETRY_EXHAUSTED'` it also recognises a driver's own error marked as the end of a
 * rotation budget (drivers keep the driver's class and `code`, e.g. `ER_ACCESS_DENIED_ERROR` or
 * `28P01`, and add {@link AuthRetryExhausted}'s fields), so it narrows to
 * `Error & AuthRetryExhausted` rather than to this class.
 */
export function isSecretClientError(
  err: unknown,
  code: 'AUTH_RETRY_EXHAUSTED',
): err is Error & AuthRetryExhausted
export function isSecretClientError(
  err: unknown,
  code?: SecretClientErrorCode,
): err is SecretClientError
export function isSecretClientError(err: unknown, code?: SecretClientErrorCode): boolean {
  if (code === 'AUTH_RETRY_EXHAUSTED' && hasAuthRetryExhaustedMark(err)) return true
  return err instanceof SecretClientError && (code === undefined || err.code === code)
}
