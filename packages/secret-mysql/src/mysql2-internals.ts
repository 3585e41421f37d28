import type { Socket } from 'node:net'
import { DriverInternals } from '@org/secret-client/driver'
import mysql, { type Pool, type PoolConnection } from 'mysql2'
import mysqlPromise from 'mysql2/promise'

/**
 * Every private member of mysql2 3.x (lib/base/connection.js, lib/commands/client_handshake.js,
 * lib/base/pool.js, lib/pool_cluster.js) that `@org/secret-mysql` uses, in one place, checked when
 * a connection, pool or cluster node is created: a mysql2 without one of them is refused with
 * `INVALID_CONFIG` naming its version, never run half-working. Checked from mysql2 3.23.3 to 3.24
 * (the peer range, proven at both ends in CI).
 *
 * The public hooks cover the rest: a single connection gets its socket through mysql2's `stream`
 * option (a socket that connects once the secret is read, see `DeferredSocket`), so its login is
 * mysql2's own. Only a login **retried in place** after the server rejected it, and the pools'
 * generations, need these members.
 */

/** mysql2's `ClientHandshake` command: the login, the first command of every connection. */
export interface HandshakeInternals {
  /** The state function that expects the server's greeting. */
  start(): unknown
  /** The state function for the next packet. */
  next: unknown
  /** The server greeting, once received. */
  handshake: unknown
  /** Capability flags; the greeting's handling changes them. */
  clientFlags: number
  /** Multi-factor authentication step. */
  authenticationFactor: number
  rawListeners(event: 'error'): Array<(...args: unknown[]) => void>
  removeAllListeners(event: 'error'): unknown
  on(event: 'error', listener: (...args: unknown[]) => void): unknown
  prependOnceListener(event: 'error', listener: (error: unknown) => void): unknown
  once(event: 'end', listener: () => void): unknown
}

/** A packet as `handlePacket` receives it. */
export interface PacketInternals {
  isError(): boolean
  /** Parses the error; moves the read offset (see `reset`). */
  asError(encoding: unknown): Error & { errno?: number }
  /** Moves the read offset back to the start of the payload. */
  reset(): void
}

/** The members of a mysql2 `Connection` used to retry a rejected login on the same object. */
export interface ConnectionInternals {
  /** The command in progress: the handshake until the login succeeded. */
  _command: unknown
  /** The socket (a TLS socket over it once upgraded). */
  stream: Socket
  /** Whether the login succeeded. */
  authorized: boolean
  clientEncoding: unknown
  /** A plugin's state kept between auth packets (absent before 3.2x). */
  _authPlugin?: unknown
  /** mysql2's `connectTimeout` timer. */
  connectTimeout: ReturnType<typeof setTimeout> | null
  _handleTimeoutError(): void
  _resetSequenceId(): void
  handlePacket(packet: PacketInternals | undefined | null): void
}

/** The members of a mysql2 core pool used for generations. */
export interface PoolInternals {
  config: { connectionLimit: number; connectionConfig: Record<string, unknown> }
  _freeConnections: { readonly length: number; get(index: number): PoolConnection | undefined }
  _allConnections: { readonly length: number }
  _closed: boolean
  /** A config copy per pooled connection (mysql2 ≥ 3.23.3): credentials set for one login stay its own. */
  _createConnectionConfig(): unknown
}

/** The members of a mysql2 `PoolCluster` used to give each node a rotation-aware pool. */
export interface PoolClusterInternals {
  _nodes: Record<string, { pool: Pool } | undefined>
}

const isFunction = (value: unknown): boolean => typeof value === 'function'

const check: DriverInternals = new DriverInternals({
  wrapper: '@org/secret-mysql',
  driver: 'mysql2',
  range: '>=3.23.3 <4',
  from: import.meta.url,
})

/** The installed mysql2's version, for error messages (`mysql2/package.json` is exported). */
export const mysql2Version: string = check.version

let connectionPrototypeChecked = false

/**
 * `connection` (just constructed) as {@link ConnectionInternals}, with its handshake command.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the mysql2 version and the missing member.
 */
export function connectionInternals(connection: object): {
  connection: ConnectionInternals
  handshake: HandshakeInternals
} {
  if (!connectionPrototypeChecked) {
    check.requireMethods(mysql.Connection.prototype, 'Connection', [
      'handlePacket',
      '_resetSequenceId',
      '_handleTimeoutError',
    ])
    connectionPrototypeChecked = true
  }
  const c = connection as Partial<ConnectionInternals>
  check.require(typeof c.stream === 'object' && c.stream !== null, 'Connection#stream')
  check.require(typeof c.authorized === 'boolean', 'Connection#authorized')
  const handshake = c._command as Partial<HandshakeInternals> | null | undefined
  check.require(
    typeof handshake === 'object' &&
      handshake !== null &&
      isFunction(handshake.start) &&
      typeof handshake.clientFlags === 'number' &&
      isFunction(handshake.prependOnceListener),
    'the ClientHandshake command as Connection#_command',
  )
  return { connection: c as ConnectionInternals, handshake: handshake as HandshakeInternals }
}

/**
 * `pool` as {@link PoolInternals}.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the mysql2 version and the missing member.
 */
export function poolInternals(pool: object): PoolInternals {
  const p = pool as Partial<PoolInternals>
  check.require(
    isFunction(p._createConnectionConfig),
    'Pool#_createConnectionConfig() (a config copy per connection, 3.23.3)',
  )
  const free = p._freeConnections as Partial<PoolInternals['_freeConnections']> | undefined
  check.require(typeof free?.length === 'number' && isFunction(free.get), 'Pool#_freeConnections')
  check.require(typeof p._allConnections?.length === 'number', 'Pool#_allConnections')
  check.require(typeof p._closed === 'boolean', 'Pool#_closed')
  check.require(
    typeof p.config?.connectionLimit === 'number' && typeof p.config.connectionConfig === 'object',
    'Pool#config',
  )
  return p as PoolInternals
}

/**
 * `cluster` as {@link PoolClusterInternals}.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the mysql2 version and the missing member.
 */
export function poolClusterInternals(cluster: object): PoolClusterInternals {
  const c = cluster as Partial<PoolClusterInternals>
  check.require(typeof c._nodes === 'object' && c._nodes !== null, 'PoolCluster#_nodes')
  return c as PoolClusterInternals
}

/**
 * mysql2's `PoolConfig` class, which it does not export: the constructor of a probe pool's config
 * (a pool without connections, ended at once).
 */
let PoolConfig: (new (options: object) => { connectionConfig: Record<string, unknown> }) | undefined

/** A mysql2 `PoolConfig` for `options`, as `mysql.createPool(options)` would build it. */
export function newPoolConfig(options: object): { connectionConfig: Record<string, unknown> } {
  if (PoolConfig === undefined) {
    const probe = mysql.createPool({})
    PoolConfig = (probe as unknown as { config: object }).config
      .constructor as unknown as typeof PoolConfig
    probe.end()
  }
  return new (PoolConfig as NonNullable<typeof PoolConfig>)(options)
}

/** mysql2/promise's `PromisePoolCluster` class, which it does not export (a probe's constructor). */
let PromisePoolCluster: (new (cluster: object, promise: PromiseConstructor) => object) | undefined

/**
 * The class of the clusters `mysql2/promise`'s `createPoolCluster` returns. Its `add` calls
 * `PoolCluster.prototype.add` directly, so a rotation-aware promise cluster subclasses it to
 * reach its own core cluster's `add`.
 */
export function promisePoolClusterClass(): new (
  cluster: object,
  promise: PromiseConstructor,
) => object {
  if (PromisePoolCluster === undefined) {
    const probe = mysqlPromise.createPoolCluster()
    PromisePoolCluster = probe.constructor as unknown as typeof PromisePoolCluster
    probe.end().catch(() => {})
  }
  return PromisePoolCluster as NonNullable<typeof PromisePoolCluster>
}
