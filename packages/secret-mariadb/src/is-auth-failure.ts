import { findCause } from '@org/secret-client/driver'

/**
 * Whether an error means the server rejected the login credentials: errno 1045
 * (`ER_ACCESS_DENIED_ERROR`) on the error or anywhere in its cause chain (`cause`,
 * `originalError`, `AggregateError`) — the connector's pool wraps it (`ER_POOL_NOT_INITIALIZED`,
 * `ER_POOL_NO_CONNECTION`, `ER_GET_CONNECTION_TIMEOUT` with the 1045 as `cause`).
 */
export function isAuthFailure(error: unknown): boolean {
  return findCause(error, (e) => (e as { errno?: unknown }).errno === 1045) !== undefined
}
