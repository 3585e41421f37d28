/**
 * The server error numbers behind a tedious login error. tedious's `ConnectionError` (`ELOGIN`)
 * does not carry them — they are only on the `'errorMessage'` events of the login's ERROR tokens —
 * so the connections of this package record them here, keyed by the error object (nothing is added
 * to the error itself: it prints and serialises as tedious made it).
 */
const numbers = new WeakMap<object, readonly number[]>()

/** SQL Server's "Login failed for user" (wrong password, unknown or disabled login). */
export const LOGIN_FAILED = 18456

/**
 * "Cannot open database requested by the login" (4060) and "cannot open user default database"
 * (4064): SQL Server follows them with an 18456, but the password was accepted and a rotation
 * would not help.
 */
const DATABASE_REFUSED = new Set([4060, 4064])

/** Records that the login error `error` came with the server ERROR tokens numbered `errors`. */
export function recordLoginError(error: unknown, errors: readonly number[]): void {
  if (error !== null && typeof error === 'object') numbers.set(error, [...errors])
}

/**
 * Whether a login answered with the ERROR tokens `errors` was refused for its credentials: an
 * 18456 not caused by a database the login could not open.
 */
export function rejectsCredentials(errors: readonly number[]): boolean {
  return errors.includes(LOGIN_FAILED) && !errors.some((number) => DATABASE_REFUSED.has(number))
}

/** Whether `error` is a recorded login error whose credentials SQL Server refused. */
export function isRecordedRejection(error: object): boolean {
  const errors = numbers.get(error)
  return errors !== undefined && rejectsCredentials(errors)
}
