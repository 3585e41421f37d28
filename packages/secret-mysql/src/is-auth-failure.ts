import { findCause } from '@org/secret-client/driver'

/**
 * Whether an error means the server rejected the login credentials: errno 1045
 * (`ER_ACCESS_DENIED_ERROR`) on the error or anywhere in its cause chain (`cause`,
 * `originalError`, `AggregateError`). Matches the number, not the code string, because mysql2
 * names MariaDB errors by MySQL's table.
 */
export function isAuthFailure(error: unknown): boolean {
  return findCause(error, (e) => (e as { errno?: unknown }).errno === 1045) !== undefined
}
