import { SecretClientError } from '@org/secret-client'
import type { PoolCluster, PoolClusterConfig } from 'mariadb'

/**
 * The connector's `createPoolCluster` is **not yet** rotation-aware in this package: a cluster
 * builds its node pools itself from `add(id, config)`, where a `secretName` would be ignored and
 * the node would log in without credentials. Rather than that silent failure, it throws; use one
 * `createPool` per node meanwhile.
 * @throws `SecretClientError` `INVALID_CONFIG`, always.
 */
export function createPoolCluster(_config?: PoolClusterConfig): PoolCluster {
  throw new SecretClientError(
    'INVALID_CONFIG',
    '@org/secret-mariadb does not support createPoolCluster yet: use one createPool per node',
  )
}
