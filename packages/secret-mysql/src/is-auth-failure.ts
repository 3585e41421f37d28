/** MySQL/MariaDB `ER_ACCESS_DENIED_ERROR`: wrong user or password at login. */
const ER_ACCESS_DENIED = 1045

/** Bounds the `cause` walk: a cycle or an absurdly deep chain must not hang the caller. */
const MAX_DEPTH = 16

/**
 * Whether an error means the server rejected the login credentials: errno 1045 on the error or
 * anywhere down its `cause` chain (wrappers often hide the driver error there). Matches the
 * number, not the code string, because mysql2 names MariaDB errors by MySQL's table.
 */
export function isAuthFailure(error: unknown): boolean {
  let current: unknown = error
  for (
    let depth = 0;
    depth < MAX_DEPTH && current !== null && typeof current === 'object';
    depth++
  ) {
    if ((current as { errno?: unknown }).errno === ER_ACCESS_DENIED) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}
