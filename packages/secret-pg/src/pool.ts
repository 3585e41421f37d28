import { SecretClientError } from '@org/secret-client'
import { CredentialGenerations, resolveDriverOptions } from '@org/secret-client/driver'
import pg from 'pg'
import { abortRotation, Client, POOL_BINDING, type PoolBinding } from './client.js'
import { pgOptionsSpec, rejectUnsupported } from './internal/pg-options-spec.js'
import { type PgPoolInternals, poolInternals, removeIdleClient } from './pg-internals.js'
import type { SecretPoolConfig } from './secret-pg-options.js'

/**
 * pg's `Pool`, whose clients are this package's {@link Client}s: every new connection reads the
 * secret's current credentials (from the cache, so normally without a KMS call) and gets through
 * a rotation in place, so pg-pool sees one connect succeed or fail. Everything else — events,
 * errors, `'error'` on an idle client the server closes — is pg-pool's own.
 *
 * Credential generations (`recycleIdleOnRotation`, default `true`): each client remembers the
 * secret version it logged in with. When the secret's current version changes (a new connection
 * meets it, or the secret client's `refresh` event announces it), idle clients of other versions
 * are closed and busy ones are closed when released (through pg-pool's own `maxLifetimeSeconds`
 * mechanism); a client that had to log in with `ACSPrevious` serves its checkout and is closed on
 * release. `end()` also fails, with `ABORTED`, connects still waiting for the secret, instead of
 * waiting out their rotation budget.
 *
 * @example
 * ```ts
 * const pool = new Pool({ secretName: 'prod/app-db', host: 'db.internal', database: 'app' })
 * const { rows } = await pool.query('SELECT 1 AS one')
 * await pool.end()
 * ```
 */
export class Pool extends pg.Pool {
  readonly #generations: CredentialGenerations
  readonly #internals: PgPoolInternals
  readonly #secretName: string

  /**
   * @param config - pg's `PoolConfig` without `user`, `password`, `stream` and `Client`, plus
   *   `secretName` and the other {@link SecretPoolConfig} options.
   * @throws `SecretClientError` `INVALID_CONFIG` for a missing `secretName`, credentials given
   *   twice, a `stream` or `Client`, a malformed secret option, or a pg outside the supported range.
   */
  constructor(config: SecretPoolConfig) {
    const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
      config,
      pgOptionsSpec('pool'),
    )
    rejectUnsupported(driverOptions, ['stream', 'Client'])
    const self: { pool?: Pool } = {}
    const generations = new CredentialGenerations({
      secretName: secret.secretName,
      versionStage: secret.versionStage,
      source: secret.source,
      onRotation: secret.recycleIdleOnRotation
        ? () => (self.pool as Pool).#retireStale()
        : undefined,
    })
    const binding: PoolBinding = {
      generations,
      connected: (client, versionId) => {
        generations.remember(client, versionId)
        // Logged in with a version that is not (or no longer) current — ACSPrevious while the
        // database lags the secret, or a rotation during the login: serve this checkout, then close.
        if (secret.recycleIdleOnRotation && generations.isStale(versionId)) {
          ;(self.pool as Pool).#internals._expired.add(client)
        }
      },
    }
    // The binding rides in the options pg-pool hands every `new this.Client(options)`; the class
    // is set on the pool, not in its options: `pool.options` stays pg's (no `Client` key), so
    // `new Pool(pool.options)` works as with pg.
    super({ ...(config as object), [POOL_BINDING]: binding } as unknown as pg.PoolConfig)
    self.pool = this
    this.#internals = poolInternals(this)
    this.#internals.Client = Client
    this.#generations = generations
    this.#secretName = secret.secretName
  }

  /**
   * Ends the pool as pg does. Connects still going through a rotation fail with
   * `SecretClientError` `ABORTED` (their callers are told) instead of running out their budget;
   * the pool stops following the secret client's refresh events.
   */
  override end(): Promise<void>
  override end(callback: () => void): void
  override end(callback?: () => void): Promise<void> | undefined {
    this.#generations.close()
    if (!this.ending) {
      const secretName = this.#secretName
      for (const client of this.#internals._clients) {
        if (client instanceof Client) {
          abortRotation(
            client,
            new SecretClientError(
              'ABORTED',
              `secret "${secretName}": the pool was ended during a rotation-aware connect`,
              { secretName },
            ),
          )
        }
      }
    }
    if (callback === undefined) return super.end()
    super.end(callback)
    return undefined
  }

  /** Closes idle clients of other versions; marks busy ones to be closed on release. */
  #retireStale(): void {
    const pool = this.#internals
    const idle = new Set(pool._idle.map((item) => item.client))
    for (const client of pool._clients) {
      // Clients still connecting have no version yet; they are judged when they connect.
      if (!(client instanceof Client) || !this.#generations.isStaleMember(client)) continue
      if (idle.has(client)) removeIdleClient(pool, client)
      else pool._expired.add(client)
    }
  }
}
