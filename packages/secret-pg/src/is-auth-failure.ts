import { findCause } from '@org/secret-client/driver'

/**
 * SQLSTATE codes PostgreSQL answers when it rejects a login: `28P01` invalid_password (wrong
 * password, unknown role, past `VALID UNTIL`) and `28000` invalid_authorization_specification
 * (`NOLOGIN`, no or a rejecting `pg_hba.conf` entry).
 */
const AUTH_CODES: ReadonlySet<unknown> = new Set(['28P01', '28000'])

/**
 * Whether `error` means PostgreSQL rejected the credentials: a `code` of `28P01` or `28000` on
 * the error or anywhere in its cause chain (`cause`, `originalError`, `AggregateError`), so errors
 * wrapped by an ORM still count. Matches codes, never messages.
 *
 * @example
 * ```ts
 * try { await client.connect() } catch (err) { if (isAuthFailure(err)) alert() }
 * ```
 */
export function isAuthFailure(error: unknown): boolean {
  return findCause(error, (e) => AUTH_CODES.has((e as { code?: unknown }).code)) !== undefined
}
