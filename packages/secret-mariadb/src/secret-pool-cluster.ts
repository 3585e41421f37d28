import { type DriverSecret, resolveDriverOptions } from '@org/secret-client/driver'
import type { PoolCluster, PoolClusterConfig } from 'mariadb'
import { mariadbOptionsSpec } from './internal/mariadb-options-spec.js'
import { clusterClass } from './mariadb-internals.js'
import type { SecretPoolConfig } from './secret-options.js'
import { SecretPool } from './secret-pool.js'

/** What `add()` resolved for the node whose pool the connector is about to create. */
interface PendingNode {
  driverOptions: Readonly<Record<string, unknown>>
  secret: DriverSecret
}

/**
 * Creates the connector's `PoolCluster` (promise API) whose nodes are rotation-aware pools: the
 * connector's own cluster class (node selection, blacklisting, `of()`, `remove()`, `end()` are
 * its own), with `add(id, config)` taking a node's secret options and the node's pool built as a
 * {@link SecretPool}.
 */
export function createSecretPoolCluster(config?: PoolClusterConfig): SecretPoolCluster {
  const Cluster = clusterClass()
  class RotationAwareCluster extends Cluster {
    #pending: PendingNode | undefined

    /**
     * The connector's `add(id?, config)`, where `config` is a pool's options with `secretName`.
     * @throws `SecretClientError` `INVALID_CONFIG` for bad options (before the node is added), or
     *   the connector's own error for a duplicate identifier.
     */
    override add(id: unknown, nodeConfig?: unknown): void {
      const named = typeof id === 'string' || id instanceof String
      const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
        named ? nodeConfig : id,
        mariadbOptionsSpec('pool'),
      )
      this.#pending = { driverOptions, secret }
      try {
        if (named) super.add(id, driverOptions)
        else super.add(driverOptions)
      } finally {
        this.#pending = undefined
      }
    }

    /** The node's pool, as the connector builds it (a default `'error'` listener), rotation-aware. */
    override _createPool(options: unknown): unknown {
      const pending = this.#pending
      if (pending === undefined) return super._createPool(options)
      const pool = new SecretPool(pending.driverOptions, pending.secret)
      pool.on('error', () => {})
      return pool
    }
  }
  return new RotationAwareCluster(config) as unknown as SecretPoolCluster
}

/**
 * The connector's `PoolCluster`, whose `add()` takes a pool's options with `secretName` instead of
 * `user`/`password`.
 */
export type SecretPoolCluster = Omit<PoolCluster, 'add'> & {
  add(id: string, config: SecretPoolConfig): void
  add(config: SecretPoolConfig): void
}
