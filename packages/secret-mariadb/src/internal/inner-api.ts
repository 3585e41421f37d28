import mariadb, { type PoolConnection } from 'mariadb'
import mariadbCallback, { type PoolConnection as CallbackPoolConnection } from 'mariadb/callback'

/** The part of a connector pool (promise or callback API) a generation uses. */
export interface InnerPool {
  totalConnections(): number
  activeConnections(): number
  idleConnections(): number
  taskQueueSize(): number
  escape(value: unknown): string
  escapeId(identifier: string): string
  on(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * How a generation drives connector pools of one API: the promise API (`mariadb`) or the callback
 * API (`mariadb/callback`), whose connections are the ones handed to the application.
 */
export interface InnerApi<C> {
  createPool(options: Record<string, unknown>): InnerPool
  getConnection(pool: InnerPool): Promise<C>
  /** Gives a connection back to its pool, never failing. */
  release(connection: C): void
  /** Ends the pool; never rejects. */
  end(pool: InnerPool): Promise<void>
}

type PromisePool = ReturnType<typeof mariadb.createPool>
type CallbackPool = ReturnType<typeof mariadbCallback.createPool>

/** Connector pools of the promise API. */
export const promiseApi: InnerApi<PoolConnection> = {
  createPool: (options) => mariadb.createPool(options) as unknown as InnerPool,
  getConnection: (pool) => (pool as unknown as PromisePool).getConnection(),
  release: (connection) => {
    connection.release().catch(() => {})
  },
  end: (pool) =>
    (pool as unknown as PromisePool).end().then(
      () => undefined,
      () => undefined,
    ),
}

/** Connector pools of the callback API. */
export const callbackApi: InnerApi<CallbackPoolConnection> = {
  createPool: (options) => mariadbCallback.createPool(options) as unknown as InnerPool,
  getConnection: (pool) =>
    new Promise((resolve, reject) => {
      ;(pool as unknown as CallbackPool).getConnection((error, connection) => {
        if (error) reject(error)
        else resolve(connection as CallbackPoolConnection)
      })
    }),
  release: (connection) => connection.release(() => {}),
  end: (pool) =>
    new Promise((resolve) => {
      ;(pool as unknown as CallbackPool).end(() => resolve())
    }),
}
