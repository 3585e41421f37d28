import { SecretClientError } from '../errors.js'
import {
  type AuthRetryExhausted,
  hasAuthRetryExhaustedMark,
  setAuthRetryExhaustedMark,
} from './auth-retry-exhausted-mark.js'

/**
 * The end of a rotation budget when the last driver error cannot carry it (a thrown string, a
 * frozen object): code `AUTH_RETRY_EXHAUSTED`, `cause` the last driver error.
 *
 * Drivers normally surface the **driver's own error** instead, marked with the same fields (see
 * {@link markAuthRetryExhausted}), so `err.code === 'ER_ACCESS_DENIED_ERROR'` or `'28P01'` keeps
 * working. Both kinds are recognised by `isSecretClientError(err, 'AUTH_RETRY_EXHAUSTED')` and by
 * `err instanceof AuthRetryExhaustedError`.
 */
export class AuthRetryExhaustedError extends SecretClientError implements AuthRetryExhausted {
  override readonly name: string = 'AuthRetryExhaustedError'
  override readonly secretName: string
  /** Connection attempts made. */
  readonly attempts: number
  /** Time spent, in milliseconds. */
  readonly elapsedMs: number
  /** Version id of the last credentials tried. */
  readonly versionId: string | undefined

  constructor(details: AuthRetryExhausted & { cause: unknown }) {
    super(
      'AUTH_RETRY_EXHAUSTED',
      `secret "${details.secretName}": the database rejected its credentials ${details.attempts} time(s) in ${details.elapsedMs} ms`,
      { cause: details.cause, secretName: details.secretName },
    )
    this.secretName = details.secretName
    this.attempts = details.attempts
    this.elapsedMs = details.elapsedMs
    this.versionId = details.versionId
  }
}

/**
 * `instanceof AuthRetryExhaustedError` also holds for a driver error marked by
 * {@link markAuthRetryExhausted}, so code written against this class keeps working when a driver
 * surfaces its own error class. Subclasses match only their own instances.
 */
Object.defineProperty(AuthRetryExhaustedError, Symbol.hasInstance, {
  value: function hasInstance(this: unknown, value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    return this === AuthRetryExhaustedError && hasAuthRetryExhaustedMark(value)
  },
})

/**
 * The error a caller gets when a rotation budget is spent: `error` (the last driver error) itself,
 * marked with {@link AuthRetryExhausted}'s fields (non-enumerable) so that it keeps the driver's
 * class, `code`, `errno`, `sqlState` and message; or, when `error` cannot carry them, an
 * {@link AuthRetryExhaustedError} with `error` as `cause`.
 */
export function markAuthRetryExhausted(
  error: unknown,
  details: AuthRetryExhausted,
): Error & AuthRetryExhausted {
  return (
    setAuthRetryExhaustedMark(error, details) ??
    new AuthRetryExhaustedError({ ...details, cause: error })
  )
}
