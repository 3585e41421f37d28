import { type DriverSecret, resolveDriverOptions } from '@org/secret-client/driver'
import type { PoolCluster, PoolClusterConfig } from 'mariadb'
import { mariadbOptionsSpec } from './internal/mariadb-options-spec.js'
import { type ClusterClass, type ClusterInternals, clusterClass } from './mariadb-internals.js'
import type { SecretPoolConfig } from './secret-options.js'
import { SecretPool } from './secret-pool.js'
import { SecretPoolCallback } from './secret-pool-callback.js'

/** What `add()` resolved for the node whose pool the connector is about to create. */
interface PendingNode {
  driverOptions: Readonly<Record<string, unknown>>
  secret: DriverSecret
}

/** Made once: the connector's cluster class is found from a probe cluster. */
let rotatingClusterClass: ClusterClass | undefined

/**
 * The connector's promise `Cluster` class with rotation-aware nodes: `add(id, config)` takes a
 * node's secret options, and the node's pool — built by the connector through `_createPool`
 * (promise API) or `_createPoolCallback` (which its callback cluster installs as `_createPool`) —
 * is a {@link SecretPool} or a {@link SecretPoolCallback}. Node selection, blacklisting, `of()`,
 * `remove()` and `end()` stay the connector's own.
 * @throws `SecretClientError` `INVALID_CONFIG` for a connector outside the supported range.
 */
export function rotationAwareClusterClass(): ClusterClass {
  if (rotatingClusterClass !== undefined) return rotatingClusterClass
  const Cluster = clusterClass()
  class Rotating extends Cluster {
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

    /** The node's pool (promise API), as the connector builds it, rotation-aware. */
    override _createPool(options: unknown): unknown {
      const pending = this.#pending
      if (pending === undefined) return super._createPool(options)
      // As the connector's cluster does (3.1.2 on; always here): a node's failing logins are not fatal.
      return new SecretPool(pending.driverOptions, pending.secret).on('error', () => {})
    }

    /** The node's pool (callback API), as the connector builds it, rotation-aware. */
    override _createPoolCallback(options: unknown): unknown {
      const pending = this.#pending
      if (pending === undefined) return super._createPoolCallback(options)
      return new SecretPoolCallback(pending.driverOptions, pending.secret).on('error', () => {})
    }
  }
  rotatingClusterClass = Rotating
  return Rotating
}

/**
 * Creates the connector's `PoolCluster` (promise API) whose nodes are rotation-aware pools (see
 * {@link rotationAwareClusterClass}).
 * @throws `SecretClientError` `INVALID_CONFIG` for a connector outside the supported range.
 */
export function createSecretPoolCluster(config?: PoolClusterConfig): SecretPoolCluster {
  const Cluster = rotationAwareClusterClass()
  return new Cluster(config) as unknown as SecretPoolCluster
}

/** A promise cluster as {@link rotationAwareClusterClass} builds it, with its internals. */
export type RotationAwareCluster = PoolCluster & ClusterInternals

/**
 * The connector's `PoolCluster`, whose `add()` takes a pool's options with `secretName` instead of
 * `user`/`password`.
 */
export type SecretPoolCluster = Omit<PoolCluster, 'add'> & {
  add(id: string, config: SecretPoolConfig): void
  add(config: SecretPoolConfig): void
}
