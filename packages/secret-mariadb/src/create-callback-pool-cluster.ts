import { SecretClientError } from '@org/secret-client'
import type { PoolCluster, PoolClusterConfig } from 'mariadb/callback'

/**
 * The callback API's `createPoolCluster` is **not yet** rotation-aware in this package (the
 * connector's callback cluster keeps its promise cluster private): rather than a cluster whose
 * nodes would log in without credentials, it throws. Use `@org/secret-mariadb`'s promise
 * `createPoolCluster`, or one callback `createPool` per node.
 * @throws `SecretClientError` `INVALID_CONFIG`, always.
 */
export function createPoolCluster(_config?: PoolClusterConfig): PoolCluster {
  throw new SecretClientError(
    'INVALID_CONFIG',
    '@org/secret-mariadb/callback does not support createPoolCluster yet: use the promise API’s, or one createPool per node',
  )
}
