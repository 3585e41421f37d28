/**
 * SQLSTATE codes PostgreSQL answers when it rejects a login: `28P01` invalid_password (wrong
 * password, unknown role, past `VALID UNTIL`) and `28000` invalid_authorization_specification
 * (`NOLOGIN`, no or a rejecting `pg_hba.conf` entry).
 */
const AUTH_CODES: ReadonlySet<string> = new Set(['28P01', '28000'])

/** Deep enough for any real wrapping; bounded so a cyclic `cause` chain cannot loop forever. */
const MAX_DEPTH = 16

/**
 * Whether `error` means PostgreSQL rejected the credentials: a `code` of `28P01` or `28000` on
 * the error or anywhere along its `cause` chain (so errors wrapped by an ORM or by
 * `AuthRetryExhaustedError` still count). Matches codes, never messages.
 *
 * @example
 * ```ts
 * try { await client.connect() } catch (err) { if (isAuthFailure(err)) alert() }
 * ```
 */
export function isAuthFailure(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (current === null || typeof current !== 'object') return false
    const { code, cause } = current as { code?: unknown; cause?: unknown }
    if (typeof code === 'string' && AUTH_CODES.has(code)) return true
    current = cause
  }
  return false
}
