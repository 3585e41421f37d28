/**
 * The private parts of pg 8.x that a reconnect and pool generations need, declared structurally
 * (pg/lib/client.js, pg-pool/index.js). pg's own `maxLifetimeSeconds` and idle timeout use the
 * same pool members.
 */

/** A pg `Connection`: an EventEmitter around one socket. */
export interface PgConnection {
  stream: { destroyed?: boolean; destroy(): void }
  /** Set by `connect()`; pg's `end()` treats a never-connected client as already ended. */
  _connecting?: boolean
  removeAllListeners(): unknown
  on(event: 'error', listener: (error: unknown) => void): unknown
}

/** State of a pg `Client` that `connect()` sets and never resets. */
export interface PgClientInternals {
  connection: PgConnection
  connectionParameters: {
    user?: string
    password?: unknown
    host?: string
    port?: number
    database?: string
  }
  user?: string
  password?: unknown
  host: string
  port: number
  database?: string
  _connecting: boolean
  _connected: boolean
  _connectionError: boolean
  _ended: boolean
  _queryable: boolean
  _activeQuery: unknown
  _txStatus: unknown
  processID: unknown
  secretKey: unknown
  saslSession?: unknown
  /** Fails the active, sent and queued queries with `error` (on the next tick). */
  _errorAllQueries(error: unknown): void
}

/**
 * The pg-pool members used to recycle clients of an older credential generation. `_expired`
 * exists since pg-pool 3.5 (`maxLifetimeSeconds`); `_remove`'s callback since 3.11.
 */
export interface PgPoolInternals {
  _clients: object[]
  _idle: Array<{ client: object }>
  _expired: WeakSet<object>
  _remove(client: object, callback?: () => void): void
  _pulseQueue(): void
}

/** `pool` as {@link PgPoolInternals}, or `undefined` when this pg-pool lacks one of the members. */
export function poolInternals(pool: object): PgPoolInternals | undefined {
  const p = pool as Partial<PgPoolInternals>
  return Array.isArray(p._clients) &&
    Array.isArray(p._idle) &&
    p._expired instanceof WeakSet &&
    typeof p._remove === 'function' &&
    typeof p._pulseQueue === 'function'
    ? (p as PgPoolInternals)
    : undefined
}
