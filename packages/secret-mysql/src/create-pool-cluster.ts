import type { PoolCluster, PoolClusterOptions } from 'mysql2'
import type { SecretPoolOptions } from './create-pool.js'
import { SecretPoolCluster } from './secret-pool-cluster.js'

/** mysql2's `PoolCluster` whose `add` takes {@link SecretPoolOptions}. */
export type SecretPoolClusterType = Omit<PoolCluster, 'add'> & {
  /** Adds a node (named `CLUSTER::<n>`) whose pool authenticates through `options.secretName`. */
  add(options: SecretPoolOptions): void
  /** Adds a node named `id` whose pool authenticates through `options.secretName`. */
  add(id: string, options: SecretPoolOptions): void
}

/**
 * mysql2's `createPoolCluster`: returns mysql2's own `PoolCluster` (a {@link SecretPoolCluster})
 * whose `add(id, options)` takes {@link SecretPoolOptions}; each node's pool authenticates
 * through its secret like {@link createPool}'s. `add` throws `SecretClientError`
 * `INVALID_CONFIG` for bad node options.
 */
export function createPoolCluster(config?: PoolClusterOptions): SecretPoolClusterType {
  return new SecretPoolCluster(config) as unknown as SecretPoolClusterType
}
