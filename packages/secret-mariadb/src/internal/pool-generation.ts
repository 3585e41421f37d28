import type { DatabaseCredentials } from '@org/secret-client'
import { type GivenLocation, withCredentials } from '@org/secret-client/driver'
import { isAuthFailure } from '../is-auth-failure.js'
import type { InnerApi, InnerPool } from './inner-api.js'

/** The pool events a generation passes on to the pool the application holds. */
const FORWARDED = ['acquire', 'connection', 'enqueue', 'release'] as const

/** A `getConnection()` of the application, until it is settled. */
export interface PoolRequest<C = unknown> {
  resolve(connection: C): void
  reject(error: unknown): void
}

/** What a generation tells the pool that owns it. */
export interface GenerationOwner<C> {
  /** Passes an event of the inner pool on to the application's pool (its one argument, if any). */
  forward(event: string, value?: unknown): void
  /**
   * The inner pool's login was rejected (an `'error'` event, or a request's rejection whose
   * request comes along to be sent elsewhere).
   */
  rejected(generation: PoolGeneration<C>, error: unknown, requeue: PoolRequest<C>[]): void
  /** A connection was released or a request settled: a draining generation may end now. */
  settled(generation: PoolGeneration<C>): void
}

/** One request in flight on a generation; `abandoned` once moved to another generation. */
interface Ticket<C> {
  readonly request: PoolRequest<C>
  abandoned: boolean
}

/**
 * One credential generation of a pool: a connector pool of its own, created with one secret
 * version's credentials (the connector has no way to change a pool's credentials). The owner
 * sends new requests to its current generation only; an older one drains — its checked-out
 * connections finish their work, then it ends. A generation whose login is rejected hands its
 * waiting requests back (they were never given a connection, so nothing is replayed).
 */
export class PoolGeneration<C> {
  readonly pool: InnerPool
  readonly credentials: DatabaseCredentials
  /** Set once a login of this generation was rejected. */
  rejected = false
  /** Set once the owner sends it no more requests. */
  draining = false
  readonly #owner: GenerationOwner<C>
  readonly #api: InnerApi<C>
  readonly #tickets = new Set<Ticket<C>>()
  #ending: Promise<void> | undefined

  constructor(
    api: InnerApi<C>,
    options: Readonly<Record<string, unknown>>,
    credentials: DatabaseCredentials,
    given: GivenLocation,
    owner: GenerationOwner<C>,
  ) {
    this.credentials = credentials
    this.#owner = owner
    this.#api = api
    this.pool = api.createPool(withCredentials(options, credentials, given))
    // One argument each (no rest-array per event: 'acquire' and 'release' fire for every statement).
    for (const event of FORWARDED) {
      this.pool.on(
        event,
        event === 'release'
          ? (connection: unknown) => {
              owner.forward(event, connection)
              // The connector emits 'release' before it takes the connection out of its active ones.
              if (this.draining) process.nextTick(() => owner.settled(this))
            }
          : (connection: unknown) => owner.forward(event, connection),
      )
    }
    // The connector reports a rejected login of its pool only here (it retries by itself and the
    // request times out after acquireTimeout): the owner moves on to the next credentials.
    this.pool.on('error', (error: unknown) => {
      if (isAuthFailure(error)) owner.rejected(this, error, [])
      else owner.forward('error', error)
    })
  }

  get versionId(): string {
    return this.credentials.versionId
  }

  /** Requests in flight here that were not moved elsewhere. */
  get live(): number {
    let live = 0
    for (const ticket of this.#tickets) if (!ticket.abandoned) live += 1
    return live
  }

  /**
   * Asks the inner pool for a connection for `request`. `onConnection` sees it before the
   * request does; an authentication failure goes to the owner with the request.
   */
  issue(request: PoolRequest<C>, onConnection: (connection: C) => void): void {
    const ticket: Ticket<C> = { request, abandoned: false }
    this.#tickets.add(ticket)
    this.#api.getConnection(this.pool).then(
      (connection) => {
        this.#tickets.delete(ticket)
        if (ticket.abandoned) {
          // Its request was served elsewhere: back to this pool, unused.
          this.#api.release(connection)
        } else {
          onConnection(connection)
          request.resolve(connection)
        }
        this.#owner.settled(this)
      },
      (error: unknown) => {
        this.#tickets.delete(ticket)
        if (!ticket.abandoned) {
          if (isAuthFailure(error) && this.#ending === undefined)
            this.#owner.rejected(this, error, [request])
          else request.reject(error)
        }
        this.#owner.settled(this)
      },
    )
  }

  /** Marks every request in flight as moved; returns them for another generation. */
  abandonAll(): PoolRequest<C>[] {
    const moved: PoolRequest<C>[] = []
    for (const ticket of this.#tickets) {
      if (ticket.abandoned) continue
      ticket.abandoned = true
      moved.push(ticket.request)
    }
    return moved
  }

  /** Whether a draining generation has nothing left to finish. */
  get finished(): boolean {
    // The connector's own queue too: a statement sent straight to it (the owner's fast path)
    // waits there when its idle connection failed validation; requests moved elsewhere leave it
    // as the connector serves or times them out.
    return this.pool.activeConnections() === 0 && this.live === 0 && this.pool.taskQueueSize() === 0
  }

  /**
   * Ends the inner pool (once): idle connections close, requests moved elsewhere are dropped.
   * Never rejects.
   */
  end(): Promise<void> {
    this.#ending ??= this.#api.end(this.pool)
    return this.#ending
  }
}
