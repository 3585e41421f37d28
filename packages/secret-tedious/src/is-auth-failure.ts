import { findCause } from '@org/secret-client/driver'
import { isRecordedRejection, LOGIN_FAILED } from './internal/login-errors.js'

export { LOGIN_FAILED }

/**
 * Whether `error` (or an error in its cause chain: `cause`, node-mssql's `originalError`,
 * `AggregateError#errors`) is a login SQL Server refused for its credentials: error 18456 — not
 * preceded by 4060/4064, a database the login could not open, which a rotation does not fix. It
 * recognises tedious's `ConnectionError` (`ELOGIN`) of this package's connections and pools:
 * tedious's error does not carry the server's error numbers, which they record.
 */
export const isAuthFailure = (error: unknown): boolean =>
  findCause(error, isRecordedRejection) !== undefined
