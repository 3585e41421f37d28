import type { DriverSecret } from '@org/secret-client/driver'
import type { PoolConnection, QueryOptions } from 'mariadb/callback'
import { GenerationalPool } from './internal/generational-pool.js'
import { callbackApi } from './internal/inner-api.js'
import { missingCallbackError, rethrowUncaught } from './internal/pool-errors.js'

type Callback = (error: Error | null, result?: unknown, meta?: unknown) => void

/** The connector's `(sql, values?, callback?)` arguments. */
function callbackOf(values: unknown, callback: unknown): [unknown, Callback | undefined] {
  return typeof values === 'function'
    ? [undefined, values as Callback]
    : [values, callback as Callback | undefined]
}

/**
 * The connector's callback-API `Pool` (`mariadb/callback`), with the generations of
 * {@link SecretPool}: connections are the connector's own callback `PoolConnection`s, events its
 * pools' own; a login rejected during a rotation moves the waiting requests to the next
 * credentials. Errors thrown by the application's callbacks surface as uncaught exceptions, as
 * with the connector.
 */
export class SecretPoolCallback extends GenerationalPool<PoolConnection> {
  /**
   * @param options - the connector's pool options without the secret ones.
   * @param secret - the secret options, resolved by the driver kit.
   */
  constructor(options: Readonly<Record<string, unknown>>, secret: DriverSecret) {
    super(callbackApi, options, secret)
  }

  /**
   * The connector's `getConnection(callback)`.
   * @throws the connector's `ER_MISSING_PARAMETER` `SqlError` without a callback, synchronously.
   */
  getConnection(callback: (error: Error | null, connection?: PoolConnection) => void): void {
    if (typeof callback !== 'function') throw missingCallbackError()
    this.acquire()
      .then(
        (connection) => callback(null, connection),
        (error: Error) => callback(error),
      )
      .catch(rethrowUncaught)
  }

  /** The connector's `query(sql, values?, callback?)`, on a connection released after. */
  query(sql: string | QueryOptions, values?: unknown, callback?: Callback): void {
    this.#run('query', sql, ...callbackOf(values, callback))
  }

  /** The connector's `execute(sql, values?, callback?)` (a prepared statement), as `query`. */
  execute(sql: string | QueryOptions, values?: unknown, callback?: Callback): void {
    this.#run('execute', sql, ...callbackOf(values, callback))
  }

  /** The connector's `batch(sql, values, callback?)`, as `query`. */
  batch(sql: string | QueryOptions, values?: unknown, callback?: Callback): void {
    this.#run('batch', sql, ...callbackOf(values, callback))
  }

  /**
   * The connector's `end(callback?)`: every generation ends, requests still waiting fail with
   * `ER_CLOSING_POOL`; a second call reports `ER_POOL_ALREADY_CLOSED`.
   */
  end(callback?: (error: Error | null) => void): void {
    this.shutdown()
      .then(
        () => callback?.(null),
        (error: Error) => callback?.(error),
      )
      .catch(rethrowUncaught)
  }

  override toString(): string {
    return `poolCallback(active=${this.activeConnections()} idle=${this.idleConnections()})`
  }

  #run(
    method: 'query' | 'execute' | 'batch',
    sql: string | QueryOptions,
    values: unknown,
    callback: Callback | undefined,
  ): void {
    // The current generation's own method when it has an idle connection (see directPool).
    const pool = this.directPool()
    if (pool !== undefined) {
      ;(pool as unknown as Record<string, (...args: unknown[]) => void>)[method]?.call(
        pool,
        sql,
        values,
        callback,
      )
      return
    }
    this.acquire()
      .then(
        (connection) => {
          const done: Callback = (error, result, meta) => {
            connection.release(() => {
              callback?.(error, result, meta)
            })
          }
          const run = connection[method] as (sql: unknown, values: unknown, cb: Callback) => void
          run.call(connection, sql, values, done)
        },
        (error: Error) => callback?.(error),
      )
      .catch(rethrowUncaught)
  }
}
