import { SecretClientError } from '@org/secret-client'
import pg from 'pg'
import { bindPoolGenerations, Client, endIfConnecting } from './client.js'
import { poolInternals } from './internal/pg-internals.js'
import { PoolGenerations } from './internal/pool-generations.js'
import { resolveSettings } from './internal/resolve-settings.js'
import type { SecretClientConfig, SecretPoolConfig } from './secret-pg-options.js'

/**
 * A closed connection must never crash the process through a pool: pg-pool has already removed
 * a failed idle client, and a checked-out one fails its pending queries.
 */
const ignore = (): void => {}

/**
 * pg's `Pool`, whose clients are {@link Client}s: every new connection reads the secret's current
 * credentials (from the cache, so normally without a KMS call) and gets through a rotation. When
 * the secret's version changes (seen by a new connection, or announced by the secret client's
 * `refresh` event), idle connections of older versions are closed and busy ones are closed when
 * released (`recycleIdleOnRotation`).
 *
 * An idle client the server closes is removed and reported as pg's `'error'` event, which is
 * handled here so it cannot crash the process; add your own listener to log it. A checked-out
 * client the server closes fails its queries and emits `'error'` on the client, which has a
 * listener too (unlike pg, where an unhandled one crashes the process).
 *
 * `connectionTimeoutMillis` bounds the whole acquisition of a new connection, rotation retries
 * included: pg-pool's `Error('Connection terminated due to connection timeout')` then has a
 * `SecretClientError` `ABORTED` as `cause`, whose `cause` is the last login error.
 *
 * @example
 * ```ts
 * const pool = new Pool({ secretName: 'prod/app-db', host: 'db.internal', database: 'app' })
 * const { rows } = await pool.query('SELECT 1 AS one')
 * await pool.end()
 * ```
 */
export class Pool extends pg.Pool {
  readonly #generations: PoolGenerations

  /**
   * @param config - pg's `PoolConfig` without `user`/`password`/`Client`, plus `secretName` and
   *   the other {@link SecretPoolConfig} options.
   * @throws `SecretClientError` `INVALID_CONFIG` for a missing `secretName`, a `user`,
   *   `password` or `Client` option, or a malformed secret option.
   */
  constructor(config: SecretPoolConfig) {
    const settings = resolveSettings(config, ['Client'])
    const recycle = config.recycleIdleOnRotation ?? true
    if (typeof recycle !== 'boolean') {
      throw new SecretClientError('INVALID_CONFIG', 'recycleIdleOnRotation must be a boolean')
    }
    const generations = new PoolGenerations(settings, recycle)
    class PooledClient extends Client {
      constructor(options: SecretClientConfig) {
        super(options)
        bindPoolGenerations(this, generations)
        this.on('error', ignore)
      }
    }
    super({ ...config, Client: PooledClient } as unknown as pg.PoolConfig)
    generations.attach(this)
    this.#generations = generations
    this.on('error', ignore)
  }

  /**
   * Ends the pool as pg does; connections still retrying through a rotation stop at once (their
   * callers get `SecretClientError` `ABORTED`) instead of running out their budget. Stops following
   * the secret client's refresh events.
   */
  override end(): Promise<void>
  override end(callback: () => void): void
  override end(callback?: () => void): Promise<void> | undefined {
    this.#generations.detach()
    if (!this.ending) {
      for (const client of poolInternals(this)?._clients ?? []) {
        if (client instanceof Client) endIfConnecting(client)
      }
    }
    if (callback === undefined) return super.end()
    super.end(callback)
    return undefined
  }
}
