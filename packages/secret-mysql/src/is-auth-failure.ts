import { findCause } from '@org/secret-client/driver'

/**
 * 1045 `ER_ACCESS_DENIED_ERROR`; 1698 `ER_ACCESS_DENIED_NO_PASSWORD_ERROR`, which MariaDB also
 * gives for an unknown account (a dual-account clone not created yet) when it answered the login
 * with another authentication plugin.
 */
const LOGIN_REJECTED = new Set<unknown>([1045, 1698])

/**
 * Whether an error means the server rejected the login credentials: errno 1045
 * (`ER_ACCESS_DENIED_ERROR`) or 1698 (the same answered with another authentication plugin) on the
 * error or anywhere in its cause chain (`cause`, `originalError`, `AggregateError`). Matches the
 * number, not the code string, because mysql2 names MariaDB errors by MySQL's table.
 */
export function isAuthFailure(error: unknown): boolean {
  return findCause(error, (e) => LOGIN_REJECTED.has((e as { errno?: unknown }).errno)) !== undefined
}
