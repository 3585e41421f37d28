import { setMaxListeners } from 'node:events'
import {
  connectWithSecret,
  type DatabaseSecretSource,
  type GetSecretOptions,
  type RefreshEvent,
} from '@org/secret-client'
import type { Pool, PoolConnection } from 'mysql2'
import { isAuthFailure } from '../is-auth-failure.js'
import {
  applyCredentials,
  type CredentialFields,
  type ResolvedSecretOptions,
} from './resolve-secret-options.js'

type ConnectionCallback = (err: Error | null, connection?: PoolConnection) => void

/**
 * The structural subset of mysql2's core pool (lib/base/pool.js, 3.x) this module relies on.
 * mysql2 exposes no hook for "a new physical connection is about to be created", so the pool is
 * observed through these fields: whether `getConnection` will reuse an idle connection or open a
 * new one, and the config each new connection copies (since 3.23.3 a copy per connection).
 */
interface PoolInternals {
  config: { connectionLimit: number; connectionConfig: CredentialFields }
  _freeConnections: { readonly length: number; get(index: number): PoolConnection | undefined }
  _allConnections: { readonly length: number }
  _closed: boolean
  getConnection(callback: ConnectionCallback): void
  end(callback?: (err: Error | null) => void): void
  on(event: 'release', listener: (connection: PoolConnection) => void): unknown
}

/** The event subset of `SecretCacheClient` a pool listens to, when its source has it. */
interface EventSource {
  on(event: 'refresh', listener: (event: RefreshEvent) => void): unknown
  off(event: 'refresh', listener: (event: RefreshEvent) => void): unknown
}

/** Generation of the credentials a pooled connection authenticated with. */
const GENERATION = Symbol('secret-mysql.generation')

type Tagged = PoolConnection & { [GENERATION]?: number }

/** What a rotation-aware pool exposes to tests and to the pool cluster. */
export interface SecretPoolState {
  /** Bumped whenever the secret's current version changes; starts at 0. */
  readonly generation: number
  /**
   * The generation a pooled connection (core or promise wrapper) belongs to; `undefined` for one
   * not opened through the secret.
   */
  generationOf(connection: object): number | undefined
}

const STATE = Symbol.for('@org/secret-mysql.pool-state')

/** The rotation state of a pool created by `@org/secret-mysql`, or `undefined`. */
export function secretPoolState(pool: unknown): SecretPoolState | undefined {
  const core = (pool as { pool?: unknown } | null)?.pool ?? pool
  return (core as { [STATE]?: SecretPoolState } | null)?.[STATE]
}

/**
 * Makes a mysql2 core pool take its credentials from a secret:
 *
 * - `getConnection` (which `query`/`execute` and the promise pool go through) hands out idle
 *   connections as before; when it would open a new one, it first gets the credentials through
 *   `connectWithSecret` (so a rejected login refreshes the secret and retries within the budget),
 *   puts them in `pool.config.connectionConfig`, and lets the pool open the connection.
 * - Each connection is tagged with a generation, bumped when the secret's current version changes
 *   (seen when connecting, or announced by the client's `refresh` event).
 *   Idle connections of an older generation are closed then (and when released or handed out), if
 *   `recycleIdleOnRotation`; busy ones finish untouched. A statement is never replayed.
 * - `end()` also aborts connection attempts waiting between retries.
 */
export function attachSecretToPool(pool: Pool, secret: ResolvedSecretOptions): void {
  const internals = pool as unknown as PoolInternals
  const openOrReuse = internals.getConnection.bind(pool) as PoolInternals['getConnection']
  const end = internals.end.bind(pool) as PoolInternals['end']
  const closing = new AbortController()
  // Every connection attempt in flight listens on it; many at once are expected, not a leak.
  setMaxListeners(0, closing.signal)
  let generation = 0
  let currentVersion: string | undefined

  const stage = secret.versionStage ?? 'ACSCurrent'
  // A SecretCacheClient announces every version it fetches: a rotation seen by anyone sharing the
  // client (another pool, a refresh-ahead) retires this pool's idle connections too.
  const onRefresh = (event: { secretName: string; versionStage: string; versionId: string }) => {
    if (event.secretName === secret.secretName && event.versionStage === stage) {
      noteVersion(event.versionId)
    }
  }
  let source: DatabaseSecretSource | undefined
  const resolveSource = (): DatabaseSecretSource => {
    if (source === undefined) {
      source = secret.source()
      if (!closing.signal.aborted) (source as Partial<EventSource>).on?.('refresh', onRefresh)
    }
    return source
  }
  // Observes the versions of the configured stage (not ACSPrevious fallbacks) to spot rotations.
  const observed: DatabaseSecretSource = {
    async getDatabaseCredentials(name: string, options?: GetSecretOptions) {
      const credentials = await resolveSource().getDatabaseCredentials(name, options)
      if ((options?.versionStage ?? 'ACSCurrent') === stage) noteVersion(credentials.versionId)
      return credentials
    },
    refreshNow: (name: string, options?: GetSecretOptions) =>
      resolveSource().refreshNow(name, options),
  }

  const noteVersion = (versionId: string) => {
    if (currentVersion === versionId) return
    const first = currentVersion === undefined
    currentVersion = versionId
    if (first) return
    generation += 1
    if (secret.recycleIdleOnRotation) recycleIdle()
  }

  const stale = (connection: Tagged) =>
    secret.recycleIdleOnRotation && (connection[GENERATION] ?? generation) < generation

  const recycleIdle = () => {
    const idle: Tagged[] = []
    for (let i = 0; i < internals._freeConnections.length; i++) {
      const connection = internals._freeConnections.get(i) as Tagged | undefined
      if (connection !== undefined && stale(connection)) idle.push(connection)
    }
    // destroy() takes the connection out of the pool's queues and frees its slot.
    for (const connection of idle) connection.destroy()
  }

  /** Hands a connection over, unless it belongs to an older generation (then it is replaced). */
  const deliver = (callback: ConnectionCallback, connection: Tagged) => {
    if (stale(connection)) {
      connection.destroy()
      getConnection(callback)
      return
    }
    callback(null, connection)
  }

  const openNew = (callback: ConnectionCallback) => {
    connectWithSecret<Tagged>({
      source: observed,
      secretName: secret.secretName,
      ...(secret.versionStage !== undefined ? { versionStage: secret.versionStage } : {}),
      ...(secret.rotationRetry !== undefined ? { retry: secret.rotationRetry } : {}),
      signal: closing.signal,
      isAuthFailure,
      connect: (credentials) =>
        new Promise<Tagged>((resolve, reject) => {
          // Synchronous from here to the pool's `new PoolConnection`, which copies the config:
          // concurrent attempts with other credentials cannot interleave.
          applyCredentials(internals.config.connectionConfig, credentials, secret.given)
          const tag = generation
          openOrReuse((err, connection) => {
            if (err || connection === undefined) {
              reject(err ?? new Error('mysql2 returned no connection'))
              return
            }
            const tagged = connection as Tagged
            tagged[GENERATION] ??= tag
            resolve(tagged)
          })
        }),
    }).then(
      ({ connection }) => deliver(callback, connection),
      (err: unknown) => callback(err as Error),
    )
  }

  const getConnection = (callback: ConnectionCallback): void => {
    const limit = internals.config.connectionLimit
    const willOpen =
      !internals._closed &&
      internals._freeConnections.length === 0 &&
      (limit === 0 || internals._allConnections.length < limit)
    if (willOpen) {
      openNew(callback)
      return
    }
    if (generation === 0) {
      openOrReuse(callback)
      return
    }
    openOrReuse((err, connection) => {
      if (err || connection === undefined) callback(err)
      else deliver(callback, connection as Tagged)
    })
  }

  internals.getConnection = getConnection
  internals.end = (callback) => {
    closing.abort(new Error('pool closed'))
    ;(source as Partial<EventSource> | undefined)?.off?.('refresh', onRefresh)
    end(callback)
  }
  internals.on('release', (connection) => {
    if (stale(connection as Tagged)) connection.destroy()
  })
  const state: SecretPoolState = {
    get generation() {
      return generation
    },
    generationOf: (connection) => {
      const core = (connection as { connection?: object }).connection ?? connection
      return (core as Tagged)[GENERATION]
    },
  }
  Object.defineProperty(pool, STATE, { value: state })
}
