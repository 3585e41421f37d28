import { EventEmitter } from 'node:events'
import type { DatabaseCredentials } from '@org/secret-client'
import {
  CredentialGenerations,
  type DatabaseSecretSource,
  type DriverSecret,
  findCause,
  peekCredentials,
  RotationAttempt,
} from '@org/secret-client/driver'
import { isLoginRejection } from '../is-auth-failure.js'
import type { InnerApi, InnerPool } from './inner-api.js'
import { closingPoolError, poolAlreadyClosedError, poolClosedError } from './pool-errors.js'
import { type GenerationOwner, PoolGeneration, type PoolRequest } from './pool-generation.js'

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

/** The rotation state of a pool; set in {@link GenerationalPool}'s static block. */
let stateOf: (pool: GenerationalPool<object>) => SecretPoolState

/**
 * The connector pool of a rotation-aware pool, whichever API it shows (promise or callback): one
 * connector pool per credential **generation** (secret version). Requests go to the current
 * generation; when the secret's current version changes (`recycleIdleOnRotation`) or the server
 * rejects a login (errno 1045), a new generation opens with the next credentials and the old one
 * drains (its checked-out connections finish untouched, then it ends). Requests waiting in a
 * generation whose login was rejected move to the next one: they were never given a connection,
 * so nothing is lost or sent twice. See `docs/secret-mariadb-generations.md`.
 */
export abstract class GenerationalPool<C extends object> extends EventEmitter {
  readonly #api: InnerApi<C>
  readonly #secret: DriverSecret
  readonly #options: Readonly<Record<string, unknown>>
  readonly #generations: CredentialGenerations
  readonly #owner: GenerationOwner<C>
  readonly #closing = new AbortController()
  /** The generation new requests go to. */
  #current: PoolGeneration<C> | undefined
  /** The last generation created (kept after `end()` for the connector's own closed errors). */
  #last: PoolGeneration<C> | undefined
  /** Older generations finishing their checked-out connections. */
  readonly #draining = new Set<PoolGeneration<C>>()
  /** Requests waiting for a generation (a secret read, the rotation's next credentials). */
  #waiting: PoolRequest<C>[] = []
  /** A read of the next generation's credentials is in progress. */
  #starting = false
  /** The rotation under way since a login was rejected, until a login succeeds. */
  #rotation: RotationAttempt | undefined
  #closed = false
  #ended: Promise<void> | undefined
  /** The connector pool `escape()` uses before the first generation exists. */
  #escaper: InnerPool | undefined
  /** The secret version each handed-out connection logged in with. */
  readonly #versions = new WeakMap<object, string>()

  /**
   * @param api - the connector API whose pools and connections are used.
   * @param options - the connector's pool options without the secret ones.
   * @param secret - the secret options, resolved by the driver kit.
   */
  constructor(api: InnerApi<C>, options: Readonly<Record<string, unknown>>, secret: DriverSecret) {
    super()
    this.#api = api
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
      forward: (event, value) => (value === undefined ? this.emit(event) : this.emit(event, value)),
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

  /** A connection of the current generation (the connector's `getConnection()`). */
  protected acquire(): Promise<C> {
    return new Promise((resolve, reject) => {
      const request: PoolRequest<C> = { resolve, reject }
      if (this.#closed) request.reject(poolClosedError())
      else {
        this.#waiting.push(request)
        this.#dispatch()
      }
    })
  }

  /**
   * Ends every generation (checked-out connections are waited for, as the connector does); requests
   * still waiting for a generation fail as the connector's do (`ER_CLOSING_POOL`), and the pool stops
   * following the secret. A second call rejects as the connector's (`ER_POOL_ALREADY_CLOSED`).
   */
  protected shutdown(): Promise<void> {
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

  /**
   * The current generation's connector pool when a statement can go straight to it (its own
   * `query()`, `execute()`, `batch()`: the connector's fastest path): the generation is healthy and
   * has an idle connection, which the statement takes at once — it does not wait in the connector's
   * queue, where it could not be moved to another generation (should that connection fail its
   * validation ping, the statement waits there as with the connector, and the generation does not
   * end under it). `undefined` otherwise: the statement then goes through `acquire()`.
   */
  protected directPool(): InnerPool | undefined {
    const generation = this.#current
    if (
      generation === undefined ||
      generation.rejected ||
      generation.pool.idleConnections() === 0
    ) {
      return undefined
    }
    return generation.pool
  }

  /** Whether `end()` was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Connections of every generation, active and idle. */
  totalConnections(): number {
    return this.#sum((pool) => pool.totalConnections())
  }

  /** Checked-out connections of every generation. */
  activeConnections(): number {
    return this.#sum((pool) => pool.activeConnections())
  }

  /** Idle connections (of the current generation: older ones close theirs once drained). */
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

  #sum(count: (pool: InnerPool) => number): number {
    let total = 0
    for (const generation of this.#draining) total += count(generation.pool)
    if (this.#current !== undefined) total += count(this.#current.pool)
    return total
  }

  #formatter(): { escape(value: unknown): string; escapeId(identifier: string): string } {
    const generation = this.#current ?? this.#last
    if (generation !== undefined) return generation.pool
    // No connector pool yet (the secret is still being read): one that never connects (no
    // minimum idle, no request, ended at once), made once, for the connector's own escaping.
    if (this.#escaper === undefined) {
      this.#escaper = this.#api.createPool({ ...this.#options, minimumIdle: 0 })
      void this.#api.end(this.#escaper)
    }
    return this.#escaper
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
      this.#api,
      this.#options,
      credentials,
      this.#secret.given,
      this.#owner,
    )
    this.#current = generation
    this.#last = generation
    this.#dispatch()
  }

  #issue(generation: PoolGeneration<C>, request: PoolRequest<C>): void {
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
  #rejected(generation: PoolGeneration<C>, error: unknown, requeue: PoolRequest<C>[]): void {
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
  #retire(generation: PoolGeneration<C>): void {
    this.#waiting.push(...generation.abandonAll())
    generation.draining = true
    this.#draining.add(generation)
    this.#settled(generation)
  }

  #settled(generation: PoolGeneration<C>): void {
    if (!generation.draining || !generation.finished || !this.#draining.has(generation)) return
    this.#draining.delete(generation)
    void generation.end()
  }

  #failWaiting(error: unknown): void {
    for (const request of this.#waiting.splice(0)) request.reject(error)
  }
}

/** The rotation state of a pool created by `@org/secret-mariadb` (either API), or `undefined`. */
export function secretPoolState(pool: unknown): SecretPoolState | undefined {
  return pool instanceof GenerationalPool ? stateOf(pool) : undefined
}
