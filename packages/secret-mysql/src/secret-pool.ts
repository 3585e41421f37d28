import { setMaxListeners } from 'node:events'
import type { DatabaseCredentials } from '@org/secret-client'
import {
  type AttemptCredentials,
  CredentialGenerations,
  type DriverSecret,
  openWithRotation,
} from '@org/secret-client/driver'
import mysql, { type Pool, type PoolConnection } from 'mysql2'
import { applyCredentials, deferredSocket, type LoginConfig } from './internal/deferred-login.js'
import { isAuthFailure } from './is-auth-failure.js'
import { type PoolInternals, poolInternals } from './mysql2-internals.js'

/** mysql2's `getConnection` callback (typed there with a connection that is always set). */
type ConnectionCallback = (error: NodeJS.ErrnoException | null, connection: PoolConnection) => void

/** What a rotation-aware pool exposes to tests and tools: its generations. */
export interface SecretPoolState {
  /** Bumped whenever the secret's current version changes; starts at 0. */
  readonly generation: number
  /**
   * The generation a pooled connection (core or promise wrapper) belongs to: the one whose version
   * it logged in with, or -1 when that version was never current for this pool (an `ACSPrevious`
   * fallback while the database lags the secret); `undefined` for one not opened through the secret.
   */
  generationOf(connection: object): number | undefined
  /** The secret version a pooled connection logged in with; `undefined` as for `generationOf`. */
  versionOf(connection: object): string | undefined
}

/** The rotation state of a pool; set in {@link SecretPool}'s static block. */
let stateOf: (pool: SecretPool) => SecretPoolState

/** mysql2's runtime `Pool` class (its typings only declare an interface). */
const CorePool = (mysql as unknown as { Pool: new (options: never) => Pool }).Pool

const coreOf = (connection: object): object =>
  (connection as { connection?: object }).connection ?? connection

/**
 * mysql2's `Pool`, whose new connections log in with a secret's credentials. It is mysql2's own
 * class (a subclass of it; `getConnection`, `releaseConnection` and `end` are prototype methods,
 * as in mysql2, and it adds no listener of its own): idle connections are handed out by mysql2
 * unchanged, and mysql2 decides synchronously, as always, whether to open, queue (`'enqueue'`) or
 * refuse (`Queue limit reached.`). When it opens a connection, that connection's socket is a
 * `DeferredSocket` (mysql2's `stream` option, set on the pool's connection config for the
 * synchronous moment mysql2 copies it into the new connection's own config, mysql2 ≥ 3.23.3): it
 * reads the secret, writes the credentials into that connection's config (never the pool's) and
 * connects. A rejected login (errno 1045) refreshes the secret through the kit's
 * `RotationAttempt` and opens another connection within the budget.
 *
 * Generations (`recycleIdleOnRotation`, default `true`): each connection remembers the secret
 * version it logged in with; when a new current version is seen (by a login of this pool, or the
 * secret client's `refresh` event), idle connections of older versions are destroyed at once and
 * busy ones when released (they finish their work untouched; they do not go back to the pool, so
 * no `'release'` event). `end()` also aborts logins waiting between retries (`ABORTED`).
 */
export class SecretPool extends CorePool {
  readonly #secret: DriverSecret
  readonly #internals: PoolInternals
  readonly #generations: CredentialGenerations
  /** Connections being destroyed because their generation is over. */
  readonly #retiring = new WeakSet<object>()
  readonly #closing = new AbortController()

  /**
   * @param config - mysql2's `PoolConfig` for the options without the secret ones.
   * @param secret - the secret options, resolved by the driver kit.
   * @throws `SecretClientError` `INVALID_CONFIG` for a mysql2 outside the supported range.
   */
  constructor(config: object, secret: DriverSecret) {
    super({ config } as never)
    this.#internals = poolInternals(this)
    this.#secret = secret
    this.#generations = new CredentialGenerations({
      secretName: secret.secretName,
      versionStage: secret.versionStage,
      source: secret.source,
      onRotation: secret.recycleIdleOnRotation ? () => this.#retireIdle() : undefined,
    })
    // Every login in flight listens to it: many at once are expected, not a leak.
    setMaxListeners(0, this.#closing.signal)
  }

  static {
    stateOf = (pool) => ({
      get generation() {
        return pool.#generations.generation
      },
      generationOf: (connection) =>
        pool.#generations.generationOf(pool.#generations.versionOf(coreOf(connection))),
      versionOf: (connection) => pool.#generations.versionOf(coreOf(connection)),
    })
  }

  /**
   * mysql2's `getConnection`. An idle connection, a full pool's queue and a closed pool are
   * mysql2's own; when a new connection is to be opened, it logs in with the secret's credentials.
   */
  override getConnection(callback: ConnectionCallback): void {
    if (this.#willOpen()) this.#open(callback)
    else super.getConnection(callback)
  }

  /**
   * mysql2's `releaseConnection`; a connection of an older generation is destroyed instead of
   * going back to the pool (a waiting caller then gets a new one, as after any destroy).
   */
  override releaseConnection(connection: PoolConnection): void {
    if (!this.#retiring.has(connection) && this.#isStale(connection)) {
      this.#retiring.add(connection)
      // destroy() takes it out of the pool, which calls releaseConnection again (then passed on).
      connection.destroy()
      return
    }
    super.releaseConnection(connection)
  }

  /** mysql2's `end`; logins waiting between retries are aborted, the generations stop following. */
  override end(callback?: (error: NodeJS.ErrnoException | null) => void): void {
    this.#closing.abort(new Error('pool ended'))
    this.#generations.close()
    super.end(callback as never)
  }

  /** Whether mysql2's `getConnection` would open a new connection now (lib/base/pool.js). */
  #willOpen(): boolean {
    const pool = this.#internals
    const limit = pool.config.connectionLimit
    return (
      !pool._closed &&
      pool._freeConnections.length === 0 &&
      (limit === 0 || pool._allConnections.length < limit)
    )
  }

  /**
   * Opens a connection for `callback` (mysql2 would open one now): mysql2's own `getConnection`,
   * whose new connection reads the secret before it connects; a rejected login is retried with the
   * next credentials of the rotation (the kit's `openWithRotation`), and the budget's end is
   * mysql2's 1045 error marked `AUTH_RETRY_EXHAUSTED`. `end()` aborts only a wait between
   * retries; a first login in flight meets the pool's end as in mysql2 (`Pool is closed.`).
   */
  #open(callback: ConnectionCallback): void {
    openWithRotation<PoolConnection>({
      secret: this.#secret,
      source: () => this.#generations.source(),
      closing: this.#closing.signal,
      isAuthFailure,
      isClosed: () => this.#internals._closed,
      open: (credentials, controller, done) =>
        this.#getConnection(credentials, controller, (error, connection) =>
          done(
            error ?? (connection ? null : new Error('mysql2 returned no connection')),
            connection,
          ),
        ),
      callback: (error, connection, versionId) => {
        if (error) {
          ;(callback as (error: unknown) => void)(error)
          return
        }
        // A connection mysql2 handed out instead of opening one (a retry that found an idle one or
        // waited in the queue) keeps its own version. Handed out even when not of the current
        // version (an ACSPrevious login, a rotation during the login): it was opened for this
        // caller, and is retired on release.
        const opened = connection as PoolConnection
        if (versionId !== undefined) this.#generations.remember(opened, versionId)
        callback(null, opened)
      },
    })
  }

  /**
   * mysql2's own `getConnection`; a connection it opens meanwhile gets a socket that connects once
   * `credentials` resolves, with those credentials in its own config.
   */
  #getConnection(
    credentials: AttemptCredentials,
    controller: AbortController,
    callback: (error: NodeJS.ErrnoException | null, connection?: PoolConnection) => void,
  ): void {
    const config = this.#internals.config.connectionConfig
    const secret = this.#secret
    // mysql2 copies the pool's connection config into the new connection's own, then calls
    // `stream` with it (lib/base/connection.js): read once, so taken out of both at once.
    config.stream = (options: { config: LoginConfig }) => {
      const own = options.config
      own.stream = undefined
      const apply = (found: DatabaseCredentials) => applyCredentials(own, found, secret)
      const socket = deferredSocket(
        own,
        () => {
          // Cached credentials connect in this tick, as mysql2's own socket would.
          const read = credentials()
          return read instanceof Promise ? read.then(apply) : apply(read)
        },
        controller,
      )
      // mysql2 expects a given stream to be connecting already. Nothing is emitted before the
      // secret is read, so its listeners, attached next, miss nothing.
      return socket.connect()
    }
    try {
      super.getConnection(callback as ConnectionCallback)
    } finally {
      config.stream = undefined
    }
  }

  #isStale(connection: object): boolean {
    return this.#secret.recycleIdleOnRotation && this.#generations.isStaleMember(connection)
  }

  /** Destroys idle connections of older generations (destroy() frees their slots). */
  #retireIdle(): void {
    const free = this.#internals._freeConnections
    const stale: PoolConnection[] = []
    for (let i = 0; i < free.length; i++) {
      const connection = free.get(i)
      if (connection !== undefined && this.#isStale(connection)) stale.push(connection)
    }
    for (const connection of stale) {
      this.#retiring.add(connection)
      connection.destroy()
    }
  }
}

/** The rotation state of a pool created by `@org/secret-mysql` (core or promise), or `undefined`. */
export function secretPoolState(pool: unknown): SecretPoolState | undefined {
  const core = (pool as { pool?: unknown } | null)?.pool ?? pool
  return core instanceof SecretPool ? stateOf(core) : undefined
}
