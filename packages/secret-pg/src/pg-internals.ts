import { DriverInternals } from '@org/secret-client/driver'
import pg from 'pg'

/**
 * Every private member of pg 8.x (pg/lib/client.js, pg-pool/index.js) that `@org/secret-pg` uses,
 * in one place, checked when a `Client` or `Pool` is created: a pg without one of them is
 * refused with `INVALID_CONFIG` naming its version, never run half-working. Checked from pg
 * 8.7.3 with pg-pool 3.5.1 to pg 8.23 with pg-pool 3.14 (the peer range, proven at both ends in CI).
 *
 * The public hooks cover the rest: credentials reach pg through its `stream` option (a socket
 * that connects once the secret is read, see `DeferredSocket`), so the first login is pg's own.
 * Only a login **retried in place** after the server rejected it, and the pool's generations, need
 * these members.
 */

/** A pg `Connection`: an EventEmitter around one socket. */
export interface PgConnection {
  stream: { destroy(error?: Error): void }
  /** Set by pg's `connectionTimeoutMillis` timer before it destroys the stream. */
  _ending: boolean
  removeAllListeners(): unknown
  on(event: 'error', listener: (error: unknown) => void): unknown
}

/** The members of a pg `Client` used to retry a rejected login on the same object. */
export interface PgClientInternals {
  /** The current connection; replaced by a fresh one for a retry. */
  connection: PgConnection
  /** What pg reads the startup message (`user`, `database`) and the password from. */
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
  /** Set by `_connect()`, cleared at `readyForQuery`: the login is in progress. */
  _connecting: boolean
  /** Set by `end()`. */
  _ending: boolean
  /** The callback of the `connect()` in progress (pg's promise or the user's). */
  _connectionCallback: ((error: Error | null, client?: unknown) => void) | null | undefined
  /** pg's per-`_connect` timer for `connectionTimeoutMillis`. */
  connectionTimeoutHandle: ReturnType<typeof setTimeout> | undefined
  _connectionTimeoutMillis: number
  /** Starts a connect: attaches pg's protocol handlers to `connection` and connects its socket. */
  _connect(callback: (error: Error | null, client?: unknown) => void): void
  /** pg's handler of an `ErrorResponse`; during a login it fails the connect. */
  _handleErrorMessage(message: unknown): void
}

/** The pg-pool members used to retire clients of an older credential generation. */
export interface PgPoolInternals {
  /** The class of the pool's clients (`new this.Client(this.options)`); ours is set here. */
  Client: unknown
  _clients: object[]
  _idle: Array<{ client: object }>
  /** Clients pg-pool closes when released (its own `maxLifetimeSeconds` uses it, since 3.5). */
  _expired: WeakSet<object>
  /** Removes a client and ends it (a callback once ended since 3.11). */
  _remove(client: object, callback?: () => void): void
  _pulseQueue(): void
}

const check: DriverInternals = new DriverInternals({
  wrapper: '@org/secret-pg',
  driver: 'pg',
  range: '>=8.7.3 <9',
  from: import.meta.url,
})

/** The installed pg's version, for error messages. */
export const pgVersion: string = check.version

const CLIENT_METHODS = ['_connect', '_handleErrorMessage'] as const
let clientPrototypeChecked = false

/**
 * `client` as {@link PgClientInternals}.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the pg version and the missing member.
 */
export function clientInternals(client: object): PgClientInternals {
  if (!clientPrototypeChecked) {
    check.requireMethods(pg.Client.prototype, 'Client', CLIENT_METHODS)
    clientPrototypeChecked = true
  }
  const c = client as Partial<PgClientInternals>
  check.require(typeof c.connection?.stream === 'object', 'Client#connection.stream')
  check.require(typeof c.connectionParameters === 'object', 'Client#connectionParameters')
  check.require(typeof c._connecting === 'boolean', 'Client#_connecting')
  check.require(typeof c._ending === 'boolean', 'Client#_ending')
  check.require(typeof c._connectionTimeoutMillis === 'number', 'Client#_connectionTimeoutMillis')
  return c as PgClientInternals
}

/**
 * `pool` as {@link PgPoolInternals}.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the pg version and the missing member.
 */
export function poolInternals(pool: object): PgPoolInternals {
  const p = pool as Partial<PgPoolInternals>
  check.require(typeof p.Client === 'function', 'Pool#Client (pg-pool)')
  check.require(Array.isArray(p._clients), 'Pool#_clients (pg-pool)')
  check.require(Array.isArray(p._idle), 'Pool#_idle (pg-pool)')
  check.require(p._expired instanceof WeakSet, 'Pool#_expired (pg-pool >= 3.5)')
  check.require(typeof p._remove === 'function', 'Pool#_remove() (pg-pool)')
  check.require(typeof p._pulseQueue === 'function', 'Pool#_pulseQueue() (pg-pool)')
  return p as PgPoolInternals
}

/**
 * Closes an idle client and lets waiting callers have its slot. pg-pool ≥ 3.11 takes a callback
 * run once the client has ended (as its own idle timeout does); older ones end it in the
 * background, so the queue is pulsed at once.
 */
export function removeIdleClient(pool: PgPoolInternals, client: object): void {
  if (pool._remove.length >= 2) {
    pool._remove(client, () => pool._pulseQueue())
  } else {
    pool._remove(client)
    pool._pulseQueue()
  }
}
