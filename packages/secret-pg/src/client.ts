import {
  connectWithSecret,
  type DatabaseCredentials,
  type DatabaseSecretSource,
  SecretClientError,
} from '@org/secret-client'
import pg from 'pg'
import type { PgClientInternals } from './internal/pg-internals.js'
import type { PoolGenerations } from './internal/pool-generations.js'
import { resolveSettings, type SecretSettings } from './internal/resolve-settings.js'
import { isAuthFailure } from './is-auth-failure.js'
import type { SecretClientConfig } from './secret-pg-options.js'

type ConnectCallback = ((err: Error) => void) | ((err: null, client: Client) => void)
type EndCallback = (err: Error) => void

const ignore = (): void => {}

/** Binds a pool's generations to one of its clients; set in {@link Client}'s static block. */
export let bindPoolGenerations: (client: Client, generations: PoolGenerations) => void

/**
 * Ends `client` if its `connect()` is still in progress (a pool is ending: it must not wait out a
 * retry budget); set in {@link Client}'s static block.
 */
export let endIfConnecting: (client: Client) => void

/**
 * pg's `Client`, with `user` and `password` (and `host`, `port`, `database` when not given) read
 * from a KMS secret each time it connects. When PostgreSQL rejects the credentials (`28P01`,
 * `28000`) during `connect()`, it refreshes the secret and connects again within the
 * `rotationRetry` budget (see `connectWithSecret`), then fails with `AuthRetryExhaustedError`.
 * Only connection establishment is retried, never a statement.
 *
 * pg cannot reconnect a `Client` once its connect failed; this one replaces the failed
 * connection with a fresh one before each retry (see docs/secret-pg-reconnect.md). Everything
 * else is pg's own `Client`. A connection the server closes (e.g. `pg_terminate_backend`) fails
 * the pending queries, makes the client unusable and emits `'error'`, exactly as in pg: add an
 * `'error'` listener, as pg asks, or an unhandled `'error'` ends the process. Only while this
 * client is itself retrying a login are such events kept from crashing it. Clients of a
 * {@link Pool} always have a listener (a pool never lets a closed connection crash the process).
 *
 * pg's `connectionTimeoutMillis` bounds the whole `connect()`, rotation retries included; when it
 * runs out `connect()` rejects with `SecretClientError` `ABORTED` (`cause`: the last login error).
 * When `connect()` fails for good, queries queued before it are rejected with its error.
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
  readonly #settings: SecretSettings
  readonly #config: SecretClientConfig
  /** Aborted by `end()`, so a retry in progress stops at once. */
  readonly #stop = new AbortController()
  #generations: PoolGenerations | undefined
  #started = false
  #connected = false
  /** The failed connection was detached: pg will not close it for us. */
  #detached = false
  /** `connectionTimeoutMillis` ran out during `connect()`. */
  #timedOut = false

  static {
    bindPoolGenerations = (client, generations) => {
      client.#generations = generations
    }
    endIfConnecting = (client) => {
      if (client.#started && !client.#connected && !client.#stop.signal.aborted) {
        client.end().catch(ignore)
      }
    }
  }

  /**
   * @param config - pg's `ClientConfig` without `user`/`password`, plus `secretName` and the
   *   other {@link SecretClientConfig} options.
   * @throws `SecretClientError` `INVALID_CONFIG` for a missing `secretName`, a `user` or
   *   `password` option, or a malformed secret option.
   */
  constructor(config: SecretClientConfig) {
    const settings = resolveSettings(config)
    super(config)
    this.#settings = settings
    this.#config = config
  }

  /**
   * Connects with the secret's credentials, through a rotation if needed.
   * @throws `AuthRetryExhaustedError` when PostgreSQL kept rejecting the secret's credentials;
   *   `SecretClientError` when the secret cannot be read; pg's error for anything else.
   */
  override connect(): Promise<Client>
  override connect(callback: ConnectCallback): void
  override connect(callback?: ConnectCallback): Promise<Client> | undefined {
    if (this.#started) {
      // pg's own answer: "Client has already been connected. You cannot reuse a client."
      if (callback === undefined) return super.connect() as Promise<Client>
      super.connect(callback as (err: Error) => void)
      return undefined
    }
    this.#started = true
    const connecting = this.#connect()
    if (callback === undefined) return connecting
    const done = callback as (err: Error | null, client?: Client) => void
    connecting.then(
      () => done(null, this),
      (error: Error) => done(error),
    )
    return undefined
  }

  /** Ends the connection as pg does, and stops a connection retry in progress. */
  override end(): Promise<void>
  override end(callback: EndCallback): void
  override end(callback?: EndCallback): Promise<void> | undefined {
    this.#stop.abort()
    if (callback === undefined) return super.end()
    super.end(callback)
    return undefined
  }

  async #connect(): Promise<Client> {
    const settings = this.#settings
    const self = this as unknown as PgClientInternals
    const source: DatabaseSecretSource = this.#generations?.source() ?? settings.source()
    let attempt = 0
    let lastAuthFailure: unknown
    // Events of connections this client is replacing must not crash the process meanwhile;
    // once connected, 'error' is the user's to handle, as in pg.
    this.on('error', ignore)
    const timeoutMs = Number(this.#config.connectionTimeoutMillis) || 0
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            this.#timedOut = true
            this.end().catch(ignore)
          }, timeoutMs)
        : undefined
    try {
      const { credentials } = await connectWithSecret({
        source,
        secretName: settings.secretName,
        versionStage: settings.versionStage,
        retry: settings.rotationRetry,
        signal: this.#stop.signal,
        isAuthFailure,
        onAuthFailure: (info) => {
          lastAuthFailure = info.error
        },
        connect: (credentials) => {
          attempt += 1
          return this.#attempt(credentials, attempt)
        },
      })
      this.#connected = true
      this.#generations?.connected(this, credentials)
      return this
    } catch (caught) {
      const error = this.#timedOut
        ? new SecretClientError(
            'ABORTED',
            `secret "${settings.secretName}": connect did not finish within connectionTimeoutMillis (${timeoutMs} ms), rotation retries included`,
            { cause: lastAuthFailure ?? caught, secretName: settings.secretName },
          )
        : caught
      // Queries queued before connect() would wait forever: pg fails them only when the socket
      // of a connection it still owns closes, and a detached one never reports.
      self._queryable = false
      self._errorAllQueries(error)
      // pg announces the end of a failed connection; the detached one cannot.
      if (this.#detached) process.nextTick(() => this.emit('end'))
      throw error
    } finally {
      clearTimeout(timer)
      this.off('error', ignore)
    }
  }

  /** One connection attempt with `credentials`. */
  async #attempt(credentials: DatabaseCredentials, attempt: number): Promise<Client> {
    if (this.#stop.signal.aborted) throw endedWhileConnecting(this.#settings.secretName)
    const self = this as unknown as PgClientInternals
    if (attempt > 1) this.#renewConnection(self)
    else if (self.connection.stream.destroyed) {
      // pg-pool's connectionTimeoutMillis fired while the secret was being read.
      throw new Error('timeout expired')
    }
    this.#apply(self, credentials)
    try {
      await untilAborted(super.connect(), this.#stop.signal, this.#settings.secretName)
    } catch (error) {
      if (isAuthFailure(error)) this.#detach(self)
      throw error
    }
    return this
  }

  #apply(self: PgClientInternals, credentials: DatabaseCredentials): void {
    const params = self.connectionParameters
    // Both are non-enumerable in pg, and stay so on assignment.
    self.user = params.user = credentials.username
    self.password = params.password = credentials.password
    const given = this.#settings.given
    if (!given.host && credentials.host !== undefined) self.host = params.host = credentials.host
    if (!given.port && credentials.port !== undefined) self.port = params.port = credentials.port
    if (!given.database && credentials.database !== undefined) {
      self.database = params.database = credentials.database
    }
  }

  /**
   * Cuts a connection that failed authentication loose before pg's handlers see it close: they
   * would fail the queued queries and emit `'end'`, though this client is about to retry.
   */
  #detach(self: PgClientInternals): void {
    const connection = self.connection
    connection.removeAllListeners()
    connection.on('error', ignore)
    connection.stream.destroy()
    // What pg's 'end' handler records, so end() resolves at once if no retry follows.
    self._ended = true
    this.#detached = true
  }

  /**
   * Gives this client the unused `Connection` of a fresh pg Client built from the same config and
   * resets the state pg's `connect()` set, so `super.connect()` can run again. Queries queued
   * before `connect()` stay queued: none of them was sent.
   */
  #renewConnection(self: PgClientInternals): void {
    const fresh = new pg.Client(this.#config) as unknown as PgClientInternals
    if (fresh.connection.stream === self.connection.stream) {
      // A `stream` object (not a factory) cannot be connected twice.
      throw new SecretClientError(
        'INVALID_CONFIG',
        `secret "${this.#settings.secretName}": cannot reconnect over a single-use stream; pass stream as a factory`,
        { secretName: this.#settings.secretName },
      )
    }
    self.connection = fresh.connection
    self._connecting = false
    self._connected = false
    self._connectionError = false
    self._ended = false
    self._queryable = true
    self._activeQuery = null
    self._txStatus = null
    self.processID = null
    self.secretKey = null
    self.saslSession = null
    this.#detached = false
  }
}

function endedWhileConnecting(secretName: string): SecretClientError {
  return new SecretClientError(
    'ABORTED',
    `secret "${secretName}": the client was ended while connecting`,
    { secretName },
  )
}

/** `promise`, or a rejection as soon as `signal` aborts (pg's connect never settles after end()). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, secretName: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(endedWhileConnecting(secretName))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
