import type { DatabaseCredentials, DatabaseSecretSource } from '@org/secret-client'
import { type PgPoolInternals, poolInternals } from './pg-internals.js'
import type { SecretSettings } from './resolve-settings.js'

/**
 * Credential generations of one pool. A generation is a secret version: every client remembers
 * the version it authenticated with, and once a new client authenticates with the version the
 * secret client calls current, the pool closes its idle clients of other versions and marks its
 * busy ones expired (pg-pool then closes them on release, so they finish their work untouched).
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
    if (credentials.versionId === this.#current) return
    const first = this.#current === undefined
    this.#current = credentials.versionId
    if (!first) this.#retireOlder(pool, credentials.versionId)
  }

  #retireOlder(pool: PgPoolInternals, current: string): void {
    const idle = new Set(pool._idle.map((item) => item.client))
    for (const client of pool._clients) {
      const version = this.#versionOf.get(client)
      // Clients still connecting have no version yet; they are judged when they connect.
      if (version === undefined || version === current) continue
      if (idle.has(client)) pool._remove(client, () => pool._pulseQueue())
      else pool._expired.add(client)
    }
  }
}
