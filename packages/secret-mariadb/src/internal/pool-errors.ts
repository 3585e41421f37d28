import { SqlError } from 'mariadb'

/**
 * The connector's own pool errors, built with its exported `SqlError` (whose constructor is
 * `(msg, sql, fatal, info, sqlState, errno)` from 3.1 to 3.5) for the requests this package holds
 * itself: those waiting for a generation, and those after `end()`.
 */
const sqlError = (message: string, errno: number): Error =>
  new (SqlError as unknown as new (...args: unknown[]) => Error)(
    message,
    null,
    false,
    null,
    'HY000',
    errno,
  )

/** `ER_CLOSING_POOL` (45037): a request still waiting when `end()` is called. */
export const closingPoolError = (): Error =>
  sqlError('pool is ending, connection request aborted', 45037)

/** `ER_POOL_ALREADY_CLOSED` (45027): a request after `end()`. */
export const poolClosedError = (): Error => sqlError('pool is closed', 45027)

/** `ER_POOL_ALREADY_CLOSED` (45027): a second `end()`. */
export const poolAlreadyClosedError = (): Error => sqlError('pool is already closed', 45027)

/** `ER_MISSING_PARAMETER` (45016): a callback-API `getConnection()` without its callback. */
export const missingCallbackError = (): Error =>
  sqlError('missing mandatory callback parameter', 45016)

/**
 * Throws `error` as an uncaught exception on the next tick, as the connector does with an error
 * thrown by the application's callback (it must not become an unhandled rejection).
 */
export const rethrowUncaught = (error: unknown): void => {
  process.nextTick(() => {
    throw error
  })
}
