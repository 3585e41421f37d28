import type { PoolClusterConfig } from 'mariadb/callback'
import {
  type SecretCallbackPoolCluster,
  SecretPoolClusterCallback,
} from './secret-pool-cluster-callback.js'

/**
 * The connector's callback-API `createPoolCluster` (`mariadb/callback`): a cluster whose nodes
 * (`cluster.add(id, options)`, options with `secretName`) are rotation-aware callback pools. See
 * {@link SecretPoolClusterCallback}.
 * @throws the connector's own error for bad cluster options; `SecretClientError`
 *   `INVALID_CONFIG` for a connector outside the supported range.
 */
export function createPoolCluster(config?: PoolClusterConfig): SecretCallbackPoolCluster {
  return new SecretPoolClusterCallback(config) as unknown as SecretCallbackPoolCluster
}
