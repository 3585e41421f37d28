import mysql, { type PoolCluster, type PoolClusterOptions, type PoolOptions } from 'mysql2'
import type { SecretPoolOptions } from './create-pool.js'
import { assertSupportedMysql2 } from './internal/assert-supported-mysql2.js'
import { attachSecretToPool } from './internal/attach-secret-to-pool.js'
import { resolveSecretOptions } from './internal/resolve-secret-options.js'

/** The structural subset of mysql2's PoolCluster used here: its nodes' pools (lib/pool_cluster.js). */
interface PoolClusterInternals {
  _nodes: Record<string, { pool: import('mysql2').Pool } | undefined>
  add(id: string | PoolOptions, config?: PoolOptions): void
}

/** mysql2's `PoolCluster` whose `add` takes {@link SecretPoolOptions}. */
export type SecretPoolCluster = Omit<PoolCluster, 'add'> & {
  /** Adds a node (named `CLUSTER::<n>`) whose pool authenticates through `options.secretName`. */
  add(options: SecretPoolOptions): void
  /** Adds a node named `id` whose pool authenticates through `options.secretName`. */
  add(id: string, options: SecretPoolOptions): void
}

/**
 * mysql2's `createPoolCluster`, whose `add(id, options)` takes {@link SecretPoolOptions}: each
 * node's pool authenticates through its secret like {@link createPool}'s. Returns mysql2's own
 * `PoolCluster`. `add` throws `SecretClientError` `INVALID_CONFIG` for bad node options or a mysql2
 * older than 3.23.3.
 */
export function createPoolCluster(config?: PoolClusterOptions): SecretPoolCluster {
  const cluster = mysql.createPoolCluster(config)
  attachSecretToPoolCluster(cluster)
  return cluster as unknown as SecretPoolCluster
}

/**
 * Replaces a core cluster's `add` so that each node's pool authenticates through its secret.
 * Internal: the promise cluster of `@org/secret-mysql/promise` shares it.
 */
export function attachSecretToPoolCluster(cluster: PoolCluster): (...args: unknown[]) => void {
  const internals = cluster as unknown as PoolClusterInternals
  const add = internals.add.bind(cluster)
  const secretAdd = (idOrOptions: string | PoolOptions, maybeOptions?: PoolOptions) => {
    const hasId = typeof idOrOptions === 'string'
    const nodeOptions = (hasId ? maybeOptions : idOrOptions) as SecretPoolOptions | undefined
    const { driverOptions, secret } = resolveSecretOptions<PoolOptions>(nodeOptions)
    assertSupportedMysql2()
    const before = new Set(Object.keys(internals._nodes))
    if (hasId) add(idOrOptions, driverOptions)
    else add(driverOptions)
    for (const id of Object.keys(internals._nodes)) {
      const node = internals._nodes[id]
      if (!before.has(id) && node !== undefined) attachSecretToPool(node.pool, secret)
    }
  }
  internals.add = secretAdd
  return secretAdd as (...args: unknown[]) => void
}
