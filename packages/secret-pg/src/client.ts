import type { DatabaseCredentials } from '@org/secret-client'
import {
  type CredentialGenerations,
  credentialFields,
  DeferredSocket,
  type DriverSecret,
  LoginRotation,
  resolveDriverOptions,
  type SocketTarget,
} from '@org/secret-client/driver'
import pg from 'pg'
import { pgOptionsSpec, rejectUnsupported } from './internal/pg-options-spec.js'
import { isAuthFailure } from './is-auth-failure.js'
import { clientInternals, type PgClientInternals } from './pg-internals.js'
import type { SecretClientConfig } from './secret-pg-options.js'

type ConnectCallback = (error: Error | null, client?: unknown) => void

const ignore = (): void => {}

/** pg's own `Client#_connect` and `#_handleErrorMessage`, called past this class's overrides. */
const pgClient = pg.Client.prototype as unknown as Pick<
  PgClientInternals,
  '_connect' | '_handleErrorMessage'
>

/** How a {@link Pool} ties its clients to its credential generations. */
export interface PoolBinding {
  readonly generations: CredentialGenerations
  /** A client of the pool logged in with `versionId`. */
  connected(client: Client, versionId: string): void
}

/**
 * The option key under which a {@link Pool} hands its binding to the clients pg-pool creates
 * (pg-pool copies its options, symbols included, into every `new Client(options)`).
 */
export const POOL_BINDING: unique symbol = Symbol('@org/secret-pg.pool')

/**
 * Ends the rotation of a connect in progress: a wait for the secret (a cold read, a retry's
 * refresh or backoff) fails at once, and a login the server rejects from now on is not retried;
 * the connect fails with `ABORTED`. Set in {@link Client}'s static block.
 */
export let abortRotation: (client: Client, reason: Error) => void

/**
 * pg's `Client`, with `user` and `password` (and `host`, `port`, `database` when not given) read
 * from a KMS secret each time it connects. Everything else is pg's own `Client`: `connect()`
 * attaches pg's handlers and starts pg's connect synchronously, events, callbacks, errors and
 * `end()` are pg's.
 *
 * How: the client's socket (pg's `stream` option) is a `DeferredSocket` that connects once the
 * secret is read — pg sends the login only when its socket reports `'connect'`. When PostgreSQL
 * rejects the credentials during `connect()` (`28P01`, `28000`), the login is retried **on this
 * client**: pg's connect restarts on a fresh connection with the next credentials of the
 * rotation (refreshed secret, `ACSPrevious`, backoff; see `RotationAttempt`), within the
 * `rotationRetry` budget and pg's `connectionTimeoutMillis`, which bounds the whole `connect()`.
 * Queries queued before `connect()` were never sent and stay queued. When the budget is spent,
 * `connect()` fails with pg's own last `DatabaseError` (`code: '28P01'`), marked
 * `AUTH_RETRY_EXHAUSTED` (`attempts`, `elapsedMs`, `versionId`, `secretName` added). See
 * `docs/secret-pg-reconnect.md`.
 *
 * @example
 * ```ts
 * const client = new Client({ secretName: 'prod/app-db', host: 'db.internal', database: 'app' })
 * await client.connect()
 * const { rows } = await client.query('SELECT now()')
 * await client.end()
 * ```
 */
export class Client extends pg.Client {
  readonly #secret: DriverSecret
  /** pg's options without the secret ones: a retry builds its fresh connection from them. */
  readonly #config: Readonly<Record<string | symbol, unknown>>
  readonly #pool: PoolBinding | undefined
  /** The socket of the current connection. */
  #socket: DeferredSocket
  /** The rotation of the connect in progress. */
  /** The login's credentials through a rotation, while a connect is in progress. */
  #login: LoginRotation | undefined
  /**
   * The rotation's abort controller, shared by the sockets of the connect's attempts: destroying
   * or abandoning a socket that waits for the secret aborts it (one controller per client).
   */
  readonly #abort: AbortController
  /**
   * `connectionTimeoutMillis` for the connect in progress once a retry replaced the connection
   * pg's own timer ends (see {@link Client._connect}).
   */
  #connectTimer: ReturnType<typeof setTimeout> | undefined
  /** The connection pg's own `connectionTimeoutMillis` timer ends. */
  #timedConnection: unknown

  static {
    abortRotation = (client, reason) => {
      if (client.#login !== undefined) client.#abort.abort(reason)
    }
  }

  /**
   * @param config - pg's `ClientConfig` without `user`, `password` and `stream`, plus `secretName`
   *   and the other {@link SecretClientConfig} options.
   * @throws `SecretClientError` `INVALID_CONFIG` for a missing `secretName`, credentials given
   *   twice (`user`, `password`, a `connectionString` carrying them), a `stream`, a malformed
   *   secret option, or a pg outside the supported range.
   */
  constructor(config: SecretClientConfig) {
    const binding = (config as { [POOL_BINDING]?: PoolBinding } | undefined)?.[POOL_BINDING]
    const { driverOptions, secret } = resolveDriverOptions<Record<string | symbol, unknown>>(
      config,
      pgOptionsSpec(binding === undefined ? 'connection' : 'pool'),
    )
    rejectUnsupported(driverOptions, ['stream'])
    const self: { client?: Client } = {}
    const abort = new AbortController()
    const socket = new DeferredSocket(() => (self.client as Client).#firstTarget(), {
      controller: abort,
    })
    super({ ...driverOptions, stream: socket } as unknown as pg.ClientConfig)
    self.client = this
    clientInternals(this)
    this.#secret = secret
    this.#config = driverOptions
    this.#pool = binding
    this.#socket = socket
    this.#abort = abort
  }

  /**
   * Ends the client as pg does. A connect still waiting for the secret is given up at once, as if
   * its socket had never reached the server; pg then ends the client as it does when `end()`
   * interrupts a connect (the `connect()` promise stays pending, as in pg).
   */
  override end(): Promise<void>
  override end(callback: (error: Error) => void): void
  override end(callback?: (error: Error) => void): Promise<void> | undefined {
    // Only a connect in progress is ended: after end() on a never-connected client, pg lets a
    // later connect() run.
    if (this.#login !== undefined) this.#abort.abort()
    this.#socket.abandon()
    if (callback === undefined) return super.end()
    super.end(callback)
    return undefined
  }

  /**
   * pg's `_connect`, observed: its outcome ends the rotation of this connect. When pg starts its
   * `connectionTimeoutMillis` timer, a second one starts in the same tick with the same delay, so
   * it fires right after pg's (and after a pool's, started just before): it bounds the whole
   * `connect()` on whatever connection a retry put in place, and the first timer to end a
   * connect is the one it is in pg (pg-pool's `'Connection terminated due to connection
   * timeout'` for a pooled client).
   */
  _connect(callback: ConnectCallback): void {
    const self = this as unknown as PgClientInternals
    const pgTimer = self.connectionTimeoutHandle
    pgClient._connect.call(this, (error: Error | null, client?: unknown) => {
      this.#settled(error)
      callback(error, client)
    })
    if (self.connectionTimeoutHandle !== pgTimer && self.connectionTimeoutHandle !== undefined) {
      this.#timedConnection = self.connection
      clearTimeout(this.#connectTimer)
      const timer = setTimeout(() => this.#connectTimedOut(), self._connectionTimeoutMillis)
      timer.unref?.()
      this.#connectTimer = timer
    }
  }

  /** pg's handler of an `ErrorResponse`: a rejected login is retried here, within the budget. */
  _handleErrorMessage(message: unknown): void {
    const self = this as unknown as PgClientInternals
    const login = this.#login
    if (login !== undefined && self._connecting && !self._ending && isAuthFailure(message)) {
      if (login.canRetry() && typeof self._connectionCallback === 'function') {
        this.#retry(login, message, self._connectionCallback)
        return
      }
      pgClient._handleErrorMessage.call(this, login.finish(message))
      return
    }
    pgClient._handleErrorMessage.call(this, message)
  }

  /** What pg's timer does, to the connection a retry put in place (pg's own timer ended the first). */
  #connectTimedOut(): void {
    this.#connectTimer = undefined
    const self = this as unknown as PgClientInternals
    const con = self.connection
    if (con === this.#timedConnection) return
    con._ending = true
    con.stream.destroy(new Error('timeout expired'))
  }

  /**
   * The first login's target: the secret's credentials from the cache, in this tick when cached
   * (as pg's own socket would connect; no rotation is built until the server rejects them), else
   * read asynchronously.
   */
  #firstTarget(): SocketTarget | undefined | Promise<SocketTarget | undefined> {
    const pool = this.#pool
    this.#login?.close()
    const login = new LoginRotation({
      secret: this.#secret,
      ...(pool === undefined ? {} : { source: () => pool.generations.source() }),
      signal: this.#abort.signal,
    })
    this.#login = login
    return login.firstThen((credentials) => this.#apply(credentials))
  }

  /**
   * Writes the credentials where pg reads them for the login (the startup message reads
   * `connectionParameters`, SCRAM and MD5 read `password`), and the location the secret gives
   * when the options do not. Returns where to connect when that differs from what pg asked for.
   */
  #apply(credentials: DatabaseCredentials): SocketTarget | undefined {
    const self = this as unknown as PgClientInternals
    const params = self.connectionParameters
    const fields = credentialFields(credentials, this.#secret.given)
    // Both stay non-enumerable on assignment, as pg defines them.
    self.user = params.user = fields.user
    self.password = params.password = fields.password
    // As in pg, the database defaults to the user name.
    const database = fields.database ?? (this.#secret.given.database ? undefined : fields.user)
    if (database !== undefined) self.database = params.database = database
    if (fields.host === undefined && fields.port === undefined) return undefined
    if (fields.host !== undefined) self.host = params.host = fields.host
    if (fields.port !== undefined) self.port = params.port = fields.port
    return self.host.startsWith('/')
      ? { path: `${self.host}/.s.PGSQL.${self.port}` }
      : { port: self.port, host: self.host }
  }

  /**
   * Retries a rejected login on this client: the rejected connection is cut loose before its
   * socket closes (pg's `'end'` handler would fail the connect and the queued queries), and pg's
   * own `_connect` starts again on a fresh connection — built by pg from the same options — whose
   * socket connects with the next credentials. pg's callback of the pending `connect()` is kept.
   */
  #retry(login: LoginRotation, rejected: unknown, callback: ConnectCallback): void {
    const self = this as unknown as PgClientInternals
    const old = self.connection
    old.removeAllListeners()
    old.on('error', ignore)
    old.stream.destroy()
    // pg's timer ends the connection it was started for; #connectTimer bounds the rest.
    clearTimeout(self.connectionTimeoutHandle)
    const socket = new DeferredSocket(
      () => login.nextThen(rejected, (credentials) => this.#apply(credentials)),
      { controller: this.#abort },
    )
    const fresh = new pg.Client({ ...this.#config, stream: socket } as unknown as pg.ClientConfig)
    self.connection = (fresh as unknown as PgClientInternals).connection
    this.#socket = socket
    self._connecting = false
    // No second pg timer: #connectTimer, started with pg's first one, bounds the whole connect().
    const timeoutMs = self._connectionTimeoutMillis
    self._connectionTimeoutMillis = 0
    try {
      pgClient._connect.call(this, callback)
    } finally {
      self._connectionTimeoutMillis = timeoutMs
    }
  }

  /** The connect ended: its rotation is over; a pooled client reports its version. */
  #settled(error: Error | null): void {
    const login = this.#login
    this.#login = undefined
    clearTimeout(this.#connectTimer)
    this.#connectTimer = undefined
    if (login === undefined) return
    login.close()
    if (error !== null) return
    const versionId = login.versionId
    if (versionId !== undefined) this.#pool?.connected(this, versionId)
  }
}
