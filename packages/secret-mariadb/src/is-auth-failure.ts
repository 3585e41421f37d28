import { findCause } from '@org/secret-client/driver'

/** 1045 `ER_ACCESS_DENIED_ERROR`; 1698 `ER_ACCESS_DENIED_NO_PASSWORD_ERROR`, which MariaDB gives
 * for an unknown account when it answered the login with another authentication plugin (it does
 * so at random for accounts that do not exist — a dual-account clone not created yet). */
const LOGIN_REJECTED = new Set<unknown>([1045, 1698])

/**
 * Whether an error means the server rejected the login credentials: errno 1045
 * (`ER_ACCESS_DENIED_ERROR`) or 1698 (the same for an unknown account answered with another
 * authentication plugin) on the error or anywhere in its cause chain (`cause`, `originalError`,
 * `AggregateError`) — the connector's pool wraps it (`ER_POOL_NOT_INITIALIZED`,
 * `ER_POOL_NO_CONNECTION`, `ER_GET_CONNECTION_TIMEOUT` with it as `cause`).
 */
export function isAuthFailure(error: unknown): boolean {
  return findCause(error, isLoginRejection) !== undefined
}

/** Whether `error` itself (not its causes) is the server's rejection of a login. */
export const isLoginRejection = (error: object): boolean =>
  LOGIN_REJECTED.has((error as { errno?: unknown }).errno)
