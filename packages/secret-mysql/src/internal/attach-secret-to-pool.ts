import { setMaxListeners } from 'node:events'
import { connectWithSecret, type RefreshEvent } from '@org/secret-client'
import type { Pool, PoolConnection } from 'mysql2'
import { isAuthFailure } from '../is-auth-failure.js'
import { type ObservedSource, observedSource } from './observed-source.js'
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
 * new one, and the config each new connection copies (since 3.23.3 a copy per connection, which
 * `assertSupportedMysql2` checks before a pool is created).
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

/** Secret version the credentials of a pooled connection came from. */
const VERSION = Symbol('secret-mysql.version')

type Tagged = PoolConnection & { [VERSION]?: string }

/** What a rotation-aware pool exposes to tests and to the pool cluster. */
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

const STATE = Symbol.for('@org/secret-mysql.pool-state')

/** The rotation state of a pool created by `@org/secret-mysql`, or `undefined`. */
export function secretPoolState(pool: unknown): SecretPoolState | undefined {
  const core = (pool as { pool?: unknown } | null)?.pool ?? pool
  return (core as { [STATE]?: SecretPoolState } | null)?.[STATE]
}

const coreOf = (connection: object): Tagged =>
  ((connection as { connection?: object }).connection ?? connection) as Tagged

/**
 * Makes a mysql2 core pool take its credentials from a secret:
 *
 * - `getConnection` (which `query`/`execute` and the promise pool go through) hands out idle
 *   connections as before; when it would open a new one, it first gets the credentials through
 *   `connectWithSecret` (so a rejected login refreshes the secret and retries within the budget),
 *   puts them in `pool.config.connectionConfig`, and lets the pool open the connection.
 * - Each connection is tagged with the secret version it logged in with. The pool's generation
 *   is bumped when the secret's current version changes (seen by any read through the shared
 *   observer of the client, or announced by the client's `refresh` event). A connection whose
 *   version is not the current one is retired if `recycleIdleOnRotation`: closed at once when
 *   idle, when released when busy (so it finishes its work untouched). A connection opened with
 *   `ACSPrevious` credentials (the database lags the secret) therefore serves the checkout it
 *   was opened for and is closed on release, as in `@org/secret-pg`. A statement is never replayed.
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
  /** Generation of every version this pool saw as current. */
  const generations = new Map<string, number>()
  /**
   * Set once a connection may be of a version other than the current one (after a rotation, or an
   * ACSPrevious login): until then idle connections are handed out without a check, as by mysql2.
   */
  let mixed = false

  const stage = secret.versionStage ?? 'ACSCurrent'
  const onVersion = (secretName: string, versionStage: string, versionId: string) => {
    if (secretName === secret.secretName && versionStage === stage) noteVersion(versionId)
  }
  // A SecretCacheClient announces every version it fetches: a rotation seen by anyone sharing the
  // client (a secret-pg pool, a refresh-ahead) retires this pool's idle connections too.
  const onRefresh = (event: RefreshEvent) =>
    onVersion(event.secretName, event.versionStage, event.versionId)
  let source: ObservedSource | undefined
  let events: EventSource | undefined
  let unlisten: (() => void) | undefined
  const resolveSource = (): ObservedSource => {
    if (source === undefined) {
      const inner = secret.source()
      source = observedSource(inner)
      if (!closing.signal.aborted) {
        // Reads by other pools and connections of this package on the same client count too.
        unlisten = source.listen(onVersion)
        const candidate = inner as Partial<EventSource>
        if (typeof candidate.on === 'function' && typeof candidate.off === 'function') {
          events = candidate as EventSource
          events.on('refresh', onRefresh)
        }
      }
    }
    return source
  }

  const noteVersion = (versionId: string) => {
    if (currentVersion === versionId) return
    const first = currentVersion === undefined
    currentVersion = versionId
    if (!first) {
      generation += 1
      mixed = true
    }
    generations.set(versionId, generation)
    if (!first && secret.recycleIdleOnRotation) recycleIdle()
  }

  const stale = (connection: Tagged) =>
    secret.recycleIdleOnRotation &&
    connection[VERSION] !== undefined &&
    connection[VERSION] !== currentVersion

  const recycleIdle = () => {
    const idle: Tagged[] = []
    for (let i = 0; i < internals._freeConnections.length; i++) {
      const connection = internals._freeConnections.get(i) as Tagged | undefined
      if (connection !== undefined && stale(connection)) idle.push(connection)
    }
    // destroy() takes the connection out of the pool's queues and frees its slot.
    for (const connection of idle) connection.destroy()
  }

  /** Hands an idle connection over, unless it is retired (then it is replaced). */
  const deliver = (callback: ConnectionCallback, connection: Tagged) => {
    if (stale(connection)) {
      connection.destroy()
      getConnection(callback)
      return
    }
    callback(null, connection)
  }

  const openNew = (callback: ConnectionCallback) => {
    let observed: ObservedSource
    try {
      observed = resolveSource()
    } catch (err) {
      // The default client could not be built (e.g. no KMS settings): the caller's error.
      process.nextTick(callback, err as Error)
      return
    }
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
          openOrReuse((err, connection) => {
            if (err || connection === undefined) {
              reject(err ?? new Error('mysql2 returned no connection'))
              return
            }
            const tagged = connection as Tagged
            tagged[VERSION] ??= credentials.versionId
            if (tagged[VERSION] !== currentVersion) mixed = true
            resolve(tagged)
          })
        }),
    }).then(
      // Handed out even when not of the current version (an ACSPrevious login, or a rotation
      // during the login): it was opened for this caller, and is retired on release.
      ({ connection }) => callback(null, connection),
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
    if (!mixed) {
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
    unlisten?.()
    events?.off('refresh', onRefresh)
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
      const version = coreOf(connection)[VERSION]
      return version === undefined ? undefined : (generations.get(version) ?? -1)
    },
    versionOf: (connection) => coreOf(connection)[VERSION],
  }
  Object.defineProperty(pool, STATE, { value: state })
}
