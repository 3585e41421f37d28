import type { DatabaseCredentials, DatabaseSecretSource, RefreshEvent } from '@org/secret-client'
import { type PgPoolInternals, poolInternals } from './pg-internals.js'
import type { SecretSettings } from './resolve-settings.js'

/** The event subset of `SecretCacheClient` a pool listens to, when its source has it. */
interface RefreshEvents {
  on(event: 'refresh', listener: (event: RefreshEvent) => void): unknown
  off(event: 'refresh', listener: (event: RefreshEvent) => void): unknown
}

/**
 * Credential generations of one pool. A generation is a secret version: every client remembers
 * the version it authenticated with. When the secret's current version changes — seen when a
 * client connects, or announced by the secret client's `refresh` event (a refresh-ahead, another
 * pool's forced refresh) — the pool closes its idle clients of other versions and marks its busy
 * ones expired (pg-pool then closes them on release, so they finish their work untouched).
 */
export class PoolGenerations {
  readonly #settings: SecretSettings
  readonly #recycle: boolean
  readonly #versionOf = new WeakMap<object, string>()
  #pool: PgPoolInternals | undefined
  #source: DatabaseSecretSource | undefined
  /** Version the secret client last returned for the configured stage: the newest one known. */
  #latest: string | undefined
  /** Version of the pool's current generation. */
  #current: string | undefined
  #events: RefreshEvents | undefined
  readonly #onRefresh = (event: RefreshEvent): void => {
    if (
      event.secretName === this.#settings.secretName &&
      event.versionStage === this.#settings.versionStage
    ) {
      this.#latest = event.versionId
      this.#advance(event.versionId)
    }
  }

  constructor(settings: SecretSettings, recycle: boolean) {
    this.#settings = settings
    this.#recycle = recycle
  }

  /** Binds the pool once it exists; without the pg-pool members it needs, recycling is off. */
  attach(pool: object): void {
    this.#pool = poolInternals(pool)
  }

  /** The credential source for this pool's clients, noting which version is the newest. */
  source(): DatabaseSecretSource {
    if (this.#source !== undefined) return this.#source
    const inner = this.#settings.source()
    const stage = this.#settings.versionStage
    const events = inner as Partial<RefreshEvents>
    if (this.#recycle && typeof events.on === 'function' && typeof events.off === 'function') {
      this.#events = events as RefreshEvents
      this.#events.on('refresh', this.#onRefresh)
    }
    this.#source = {
      getDatabaseCredentials: async (secretName, options) => {
        const credentials = await inner.getDatabaseCredentials(secretName, options)
        if ((options?.versionStage ?? stage) === stage) this.#latest = credentials.versionId
        return credentials
      },
      refreshNow: (secretName, options) => inner.refreshNow(secretName, options),
    }
    return this.#source
  }

  /** Stops listening to the secret client (the pool ended). */
  detach(): void {
    this.#events?.off('refresh', this.#onRefresh)
    this.#events = undefined
  }

  /** Secret version `client` authenticated with, if it connected. */
  versionOf(client: object): string | undefined {
    return this.#versionOf.get(client)
  }

  /** Records a newly connected client and retires older generations when it is the newest. */
  connected(client: object, credentials: DatabaseCredentials): void {
    this.#versionOf.set(client, credentials.versionId)
    const pool = this.#pool
    if (!this.#recycle || pool === undefined) return
    if (credentials.versionId !== this.#latest) {
      // Older than what the secret says now (e.g. the ACSPrevious fallback while a rotation
      // settles): serve this checkout, then close it.
      pool._expired.add(client)
      return
    }
    this.#advance(credentials.versionId)
  }

  /** Makes `version` the current generation, retiring the clients of others. */
  #advance(version: string): void {
    const pool = this.#pool
    if (!this.#recycle || pool === undefined || version === this.#current) return
    const first = this.#current === undefined
    this.#current = version
    if (!first) this.#retireOlder(pool, version)
  }

  #retireOlder(pool: PgPoolInternals, current: string): void {
    const idle = new Set(pool._idle.map((item) => item.client))
    for (const client of pool._clients) {
      const version = this.#versionOf.get(client)
      // Clients still connecting have no version yet; they are judged when they connect.
      if (version === undefined || version === current) continue
      if (idle.has(client)) removeIdle(pool, client)
      else pool._expired.add(client)
    }
  }
}

/**
 * Closes an idle client and lets waiting callers have its slot. pg-pool ≥ 3.11 takes a callback
 * run once the client has ended (as its own idle timeout does); older ones end it in the
 * background, so the queue is pulsed at once.
 */
function removeIdle(pool: PgPoolInternals, client: object): void {
  if (pool._remove.length >= 2) {
    pool._remove(client, () => pool._pulseQueue())
  } else {
    pool._remove(client)
    pool._pulseQueue()
  }
}
