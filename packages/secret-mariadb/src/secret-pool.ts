import { EventEmitter } from 'node:events'
import { type DatabaseCredentials, SecretClientError } from '@org/secret-client'
import {
  CredentialGenerations,
  type DatabaseSecretSource,
  type DriverSecret,
  findCause,
  peekCredentials,
  RotationAttempt,
} from '@org/secret-client/driver'
import mariadb, {
  type PoolConnection,
  type QueryOptions,
  type SqlImportOptions,
  type UpsertResult,
} from 'mariadb'
import {
  closingPoolError,
  poolAlreadyClosedError,
  poolClosedError,
} from './internal/pool-errors.js'
import {
  type GenerationOwner,
  PoolGeneration,
  type PoolRequest,
} from './internal/pool-generation.js'

/** What a rotation-aware pool exposes to tests and tools: its generations. */
export interface SecretPoolState {
  /** Bumped whenever the secret's current version changes; starts at 0. */
  readonly generation: number
  /**
   * The generation of the version a connection handed out by `getConnection()` logged in with,
   * -1 for a version that was never current for this pool (an `ACSPrevious` fallback);
   * `undefined` for a connection this pool did not hand out.
   */
  generationOf(connection: object): number | undefined
  /** The secret version a connection handed out by `getConnection()` logged in with. */
  versionOf(connection: object): string | undefined
  /** Connector pools alive: the current one and those still draining. */
  readonly innerPools: number
}

/** The rotation state of a pool; set in {@link SecretPool}'s static block. */
let stateOf: (pool: SecretPool) => SecretPoolState

const isLoginRejection = (e: object) => (e as { errno?: unknown }).errno === 1045

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
export class SecretPool extends EventEmitter {
  readonly #secret: DriverSecret
  readonly #options: Readonly<Record<string, unknown>>
  readonly #generations: CredentialGenerations
  readonly #owner: GenerationOwner
  readonly #closing = new AbortController()
  /** The generation new requests go to. */
  #current: PoolGeneration | undefined
  /** The last generation created (kept after `end()` for the connector's own closed errors). */
  #last: PoolGeneration | undefined
  /** Older generations finishing their checked-out connections. */
  readonly #draining = new Set<PoolGeneration>()
  /** Requests waiting for a generation (a secret read, the rotation's next credentials). */
  #waiting: PoolRequest[] = []
  /** A read of the next generation's credentials is in progress. */
  #starting = false
  /** The rotation under way since a login was rejected, until a login succeeds. */
  #rotation: RotationAttempt | undefined
  #closed = false
  #ended: Promise<void> | undefined
  /** The secret version each handed-out connection logged in with. */
  readonly #versions = new WeakMap<object, string>()

  /**
   * @param options - the connector's pool options without the secret ones.
   * @param secret - the secret options, resolved by the driver kit.
   */
  constructor(options: Readonly<Record<string, unknown>>, secret: DriverSecret) {
    super()
    this.#options = options
    this.#secret = secret
    this.#generations = new CredentialGenerations({
      secretName: secret.secretName,
      versionStage: secret.versionStage,
      source: secret.source,
      onRotation: secret.recycleIdleOnRotation
        ? (current) => this.#followRotation(current)
        : undefined,
    })
    this.#owner = {
      forward: (event, ...args) => this.emit(event, ...args),
      rejected: (generation, error, requeue) => this.#rejected(generation, error, requeue),
      settled: (generation) => this.#settled(generation),
    }
    // As the connector's pool does, connections are opened from the start.
    this.#dispatch()
  }

  static {
    stateOf = (pool) => ({
      get generation() {
        return pool.#generations.generation
      },
      generationOf: (connection) => pool.#generations.generationOf(pool.#versions.get(connection)),
      versionOf: (connection) => pool.#versions.get(connection),
      get innerPools() {
        return pool.#draining.size + (pool.#current === undefined ? 0 : 1)
      },
    })
  }

  /** Whether `end()` was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** The connector's `getConnection()`, from the current generation. */
  getConnection(): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      const request: PoolRequest = { resolve, reject }
      if (this.#closed) request.reject(poolClosedError())
      else {
        this.#waiting.push(request)
        this.#dispatch()
      }
    })
  }

  /** The connector's `query()`: a connection of the current generation, released after. */
  query<T = unknown>(sql: string | QueryOptions, values?: unknown): Promise<T> {
    return this.#withConnection((connection) => connection.query(sql, values))
  }

  /** The connector's `execute()` (a prepared statement), as {@link SecretPool.query}. */
  execute<T = unknown>(sql: string | QueryOptions, values?: unknown): Promise<T> {
    return this.#withConnection((connection) => connection.execute(sql, values))
  }

  /** The connector's `batch()`, as {@link SecretPool.query}. */
  batch<T = UpsertResult | UpsertResult[]>(
    sql: string | QueryOptions,
    values?: unknown,
  ): Promise<T> {
    return this.#withConnection((connection) => connection.batch(sql, values) as Promise<T>)
  }

  /** The connector's `importFile()` (mariadb ≥ 3.2), on a connection of the current generation. */
  importFile(config: SqlImportOptions): Promise<void> {
    return this.#withConnection((connection) => {
      const { importFile } = connection as {
        importFile?: (config: SqlImportOptions) => Promise<void>
      }
      if (typeof importFile !== 'function') {
        throw new SecretClientError('INVALID_CONFIG', 'importFile() needs mariadb >= 3.2')
      }
      return importFile.call(connection, config)
    })
  }

  /** Connections of every generation, active and idle. */
  totalConnections(): number {
    return this.#sum((pool) => pool.totalConnections())
  }

  /** Checked-out connections of every generation. */
  activeConnections(): number {
    return this.#sum((pool) => pool.activeConnections())
  }

  /** Idle connections (of the current generation: older ones close theirs at once). */
  idleConnections(): number {
    return this.#sum((pool) => pool.idleConnections())
  }

  /** Requests waiting for a connection. */
  taskQueueSize(): number {
    const current = this.#current
    return this.#waiting.length + (current === undefined ? 0 : current.live)
  }

  /** The connector's `escape()`, with the current generation's connection settings. */
  escape(value: unknown): string {
    return this.#formatter().escape(value)
  }

  /** The connector's `escapeId()`, with the current generation's connection settings. */
  escapeId(identifier: string): string {
    return this.#formatter().escapeId(identifier)
  }

  /**
   * The connector's `end()`: every generation ends (checked-out connections are waited for, as
   * the connector does), requests still waiting for a generation fail with `ABORTED`, and the pool
   * stops following the secret. A second call rejects as the connector's does.
   */
  end(): Promise<void> {
    if (this.#ended !== undefined) return Promise.reject(poolAlreadyClosedError())
    this.#closed = true
    this.#closing.abort(new Error('pool ended'))
    this.#generations.close()
    this.#rotation?.close()
    this.#rotation = undefined
    const current = this.#current
    this.#current = undefined
    // Those waiting for a secret read or the rotation's next credentials; the connector pools'
    // own end() rejects the requests they hold.
    for (const request of this.#waiting.splice(0)) request.reject(closingPoolError())
    const all = [...this.#draining, ...(current === undefined ? [] : [current])]
    this.#draining.clear()
    this.#ended = Promise.all(all.map((generation) => generation.end())).then(() => undefined)
    return this.#ended
  }

  /** `await using` support, as the connector's pool has it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end()
  }

  override toString(): string {
    return `poolPromise(active=${this.activeConnections()} idle=${this.idleConnections()})`
  }

  async #withConnection<T>(use: (connection: PoolConnection) => Promise<T>): Promise<T> {
    const connection = await this.getConnection()
    try {
      return await use(connection)
    } finally {
      await connection.release()
    }
  }

  #sum(count: (pool: PoolGeneration['pool']) => number): number {
    let total = 0
    for (const generation of this.#draining) total += count(generation.pool)
    if (this.#current !== undefined) total += count(this.#current.pool)
    return total
  }

  #formatter(): { escape(value: unknown): string; escapeId(identifier: string): string } {
    const generation = this.#current ?? this.#last
    if (generation !== undefined) return generation.pool
    // No connector pool yet (the secret is still being read): one that never connects (no
    // minimum idle, no request), for the connector's own escaping with these options.
    const scratch = mariadb.createPool({ ...this.#options, minimumIdle: 0 })
    scratch.end().catch(() => {})
    return scratch
  }

  /** Sends the waiting requests to the current generation, or starts one. */
  #dispatch(): void {
    if (this.#closed) return
    const current = this.#current
    if (current !== undefined) {
      for (const request of this.#waiting.splice(0)) this.#issue(current, request)
      return
    }
    if (this.#starting) return
    let source: DatabaseSecretSource
    try {
      source = this.#generations.source()
    } catch (error) {
      // The default client could not be built (no KMS settings): the callers' error.
      this.#failWaiting(error)
      return
    }
    const { secretName, versionStage } = this.#secret
    const cached = peekCredentials(source, secretName, versionStage)
    if (cached !== undefined) {
      this.#open(cached)
      return
    }
    this.#starting = true
    source.getDatabaseCredentials(secretName, { versionStage }).then(
      (credentials) => {
        this.#starting = false
        this.#open(credentials)
      },
      (error: unknown) => {
        this.#starting = false
        this.#failWaiting(error)
      },
    )
  }

  /** A new generation with `credentials` becomes the current one; the waiting requests go there. */
  #open(credentials: DatabaseCredentials): void {
    if (this.#closed) return
    const previous = this.#current
    if (previous !== undefined) this.#retire(previous)
    const generation = new PoolGeneration(
      this.#options,
      credentials,
      this.#secret.given,
      this.#owner,
    )
    this.#current = generation
    this.#last = generation
    this.#dispatch()
  }

  #issue(generation: PoolGeneration, request: PoolRequest): void {
    generation.issue(request, (connection) => {
      this.#versions.set(connection, generation.versionId)
      if (this.#rotation !== undefined && generation === this.#current) {
        // A login of the rotation's credentials went through: the rotation is over.
        this.#rotation.close()
        this.#rotation = undefined
      }
    })
  }

  /** The secret's current version changed (`recycleIdleOnRotation`): a new generation. */
  #followRotation(versionId: string): void {
    const current = this.#current
    if (this.#closed || this.#starting || current === undefined) return
    if (current.rejected || current.versionId === versionId) return
    this.#retire(current)
    this.#current = undefined
    this.#dispatch()
  }

  /**
   * A login of `generation` was rejected. The first rejection of the current generation moves
   * its waiting requests to the next credentials of the rotation; later ones (the connector's
   * own retries, an older generation) only send `requeue` to wherever requests go now.
   */
  #rejected(generation: PoolGeneration, error: unknown, requeue: PoolRequest[]): void {
    this.#waiting.push(...requeue)
    if (this.#closed) {
      for (const request of this.#waiting.splice(0)) request.reject(closingPoolError())
      return
    }
    // Its waiting requests cannot be served by new logins there: they go where requests go now.
    this.#waiting.push(...generation.abandonAll())
    if (generation.rejected || generation !== this.#current) {
      generation.rejected = true
      this.#dispatch()
      return
    }
    generation.rejected = true
    this.#current = undefined
    this.#retire(generation)
    const driverError = findCause(error, isLoginRejection) ?? error
    this.#rotation ??= new RotationAttempt({
      source: this.#generations.source(),
      secretName: this.#secret.secretName,
      versionStage: this.#secret.versionStage,
      retry: this.#secret.rotationRetry,
      signal: this.#closing.signal,
      first: { credentials: generation.credentials, startedAt: Date.now() },
    })
    const rotation = this.#rotation
    if (!rotation.canRetry()) {
      this.#endRotation(rotation)
      this.#failWaiting(rotation.finish(driverError))
      return
    }
    this.#starting = true
    rotation.next(driverError).then(
      (credentials) => {
        this.#starting = false
        this.#open(credentials)
      },
      (failure: unknown) => {
        this.#starting = false
        this.#endRotation(rotation)
        this.#failWaiting(failure)
      },
    )
  }

  #endRotation(rotation: RotationAttempt): void {
    rotation.close()
    if (this.#rotation === rotation) this.#rotation = undefined
  }

  /**
   * `generation` takes no more requests; those still waiting there go to the next generation
   * (its credentials are the current ones), and it ends once its connections are back.
   */
  #retire(generation: PoolGeneration): void {
    this.#waiting.push(...generation.abandonAll())
    generation.draining = true
    this.#draining.add(generation)
    this.#settled(generation)
  }

  #settled(generation: PoolGeneration): void {
    if (!generation.draining || !generation.finished || !this.#draining.has(generation)) return
    this.#draining.delete(generation)
    void generation.end()
  }

  #failWaiting(error: unknown): void {
    for (const request of this.#waiting.splice(0)) request.reject(error)
  }
}

/** The rotation state of a pool created by `@org/secret-mariadb`, or `undefined`. */
export function secretPoolState(pool: unknown): SecretPoolState | undefined {
  return pool instanceof SecretPool ? stateOf(pool) : undefined
}
