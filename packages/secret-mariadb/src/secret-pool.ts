import type { DriverSecret } from '@org/secret-client/driver'
import type { Pool, PoolConnection, QueryOptions, SqlImportOptions, UpsertResult } from 'mariadb'
import { runImportFile } from './import-file.js'
import { GenerationalPool } from './internal/generational-pool.js'
import { promiseApi } from './internal/inner-api.js'

/**
 * The connector's `Pool` (the promise API), whose connections log in with a secret's
 * credentials and get through password rotation. The connector has no way to change a pool's
 * credentials, so this pool keeps one connector pool per credential **generation** (secret
 * version): requests go to the current one; when the secret's current version changes (a refresh
 * seen by the secret client, `recycleIdleOnRotation`) or the server rejects a login (errno 1045),
 * a new connector pool is created with the next credentials, and the old one drains — its
 * checked-out connections finish their work untouched, then it ends (its idle connections close).
 *
 * Requests waiting in a generation whose login was rejected move to the next one: they were never
 * given a connection, so no statement is lost or sent twice, and the connector's own retry loop
 * never turns a rotation into an `acquireTimeout` wait. Rejections follow the rotation budget
 * (`rotationRetry`: refreshed secret, `ACSPrevious`, backoff); when it is spent, the waiting
 * requests fail with the connector's own 1045 `SqlError`, marked `AUTH_RETRY_EXHAUSTED`.
 *
 * Everything else is the connector's: connections are its own `PoolConnection`s, events
 * (`'acquire'`, `'connection'`, `'enqueue'`, `'release'`, `'error'`) are its pools' own, passed on.
 */
export class SecretPool extends GenerationalPool<PoolConnection> {
  /**
   * @param options - the connector's pool options without the secret ones.
   * @param secret - the secret options, resolved by the driver kit.
   */
  constructor(options: Readonly<Record<string, unknown>>, secret: DriverSecret) {
    super(promiseApi, options, secret)
  }

  /** The connector's `getConnection()`, from the current generation. */
  getConnection(): Promise<PoolConnection> {
    return this.acquire()
  }

  /**
   * The connector's `query()`: the current generation's own `query()` when it has an idle
   * connection, else a connection of the current generation (waiting, if need be, through a
   * rotation), released after.
   */
  query<T = unknown>(sql: string | QueryOptions, values?: unknown): Promise<T> {
    return (
      this.#direct<T>((pool) => pool.query(sql, values)) ??
      this.#withConnection((connection) => connection.query(sql, values))
    )
  }

  /** The connector's `execute()` (a prepared statement), as {@link SecretPool.query}. */
  execute<T = unknown>(sql: string | QueryOptions, values?: unknown): Promise<T> {
    return (
      this.#direct<T>((pool) => pool.execute(sql, values)) ??
      this.#withConnection((connection) => connection.execute(sql, values))
    )
  }

  /** The connector's `batch()`, as {@link SecretPool.query}. */
  batch<T = UpsertResult | UpsertResult[]>(
    sql: string | QueryOptions,
    values?: unknown,
  ): Promise<T> {
    return (
      this.#direct<T>((pool) => pool.batch(sql, values) as Promise<T>) ??
      this.#withConnection((connection) => connection.batch(sql, values) as Promise<T>)
    )
  }

  /** The connector's `importFile()` (mariadb ≥ 3.2), on a connection of the current generation. */
  importFile(config: SqlImportOptions): Promise<void> {
    return this.#withConnection((connection) => runImportFile(connection, config))
  }

  /**
   * The connector's `end()`: every generation ends (checked-out connections are waited for, as
   * the connector does), requests still waiting fail with the connector's `ER_CLOSING_POOL`, and
   * the pool stops following the secret. A second call rejects as the connector's does.
   */
  end(): Promise<void> {
    return this.shutdown()
  }

  /** `await using` support, as the connector's pool has it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end()
  }

  override toString(): string {
    return `poolPromise(active=${this.activeConnections()} idle=${this.idleConnections()})`
  }

  /** `statement` on the current generation's connector pool itself, when it can take it at once. */
  #direct<T>(statement: (pool: Pool) => Promise<T>): Promise<T> | undefined {
    const pool = this.directPool()
    return pool === undefined ? undefined : statement(pool as unknown as Pool)
  }

  async #withConnection<T>(use: (connection: PoolConnection) => Promise<T>): Promise<T> {
    const connection = await this.getConnection()
    try {
      return await use(connection)
    } finally {
      await connection.release()
    }
  }
}
