import type { PoolClusterConfig } from 'mariadb'
import { createSecretPoolCluster, type SecretPoolCluster } from './secret-pool-cluster.js'

/**
 * The connector's `createPoolCluster` (promise API): the connector's own cluster, whose
 * `add(id, config)` takes a pool's options with `secretName` (instead of `user`/`password`) and
 * builds each node's pool as a rotation-aware pool of credential generations.
 * @throws `SecretClientError` `INVALID_CONFIG` for a connector without the cluster member used (see
 *   mariadb-internals); `add()` throws it for a node's bad options.
 */
export function createPoolCluster(config?: PoolClusterConfig): SecretPoolCluster {
  return createSecretPoolCluster(config)
}
