import { DriverInternals } from '@org/secret-client/driver'
import mariadb, { type PoolCluster } from 'mariadb'

/**
 * Every private member of the MariaDB connector (3.1 … 3.5) that `@org/secret-mariadb` uses, in
 * one place, checked before use: a connector without one is refused with `INVALID_CONFIG` naming
 * its version, never run half-working. Only the pool clusters need them — a node's pool is created
 * by `Cluster#_createPool(options)` or, in the callback cluster (which `Cluster#_setCallback()`
 * switches to callback methods), `Cluster#_createPoolCallback(options)` (lib/cluster.js); a
 * rotation-aware cluster overrides both. Everything else rides the connector's public API.
 */

const check: DriverInternals = new DriverInternals({
  wrapper: '@org/secret-mariadb',
  driver: 'mariadb',
  range: '>=3.1.0 <4',
  from: import.meta.url,
})

/** The members of the connector's promise `Cluster` class a rotation-aware cluster uses. */
export interface ClusterInternals {
  add(id: unknown, config?: unknown): void
  /** Builds the pool of a node added with `add()` from its parsed options. */
  _createPool(options: unknown): unknown
  /** `_createPool` of the callback API. */
  _createPoolCallback(options: unknown): unknown
  /** Switches the cluster to the callback API (what the connector's callback cluster calls). */
  _setCallback(): void
}

/** The connector's promise `Cluster` class, which it does not export. */
export type ClusterClass = new (options?: unknown) => PoolCluster & ClusterInternals

let Cluster: ClusterClass | undefined

/**
 * The class of the clusters `createPoolCluster` returns (from a probe cluster without nodes).
 * @throws `SecretClientError` `INVALID_CONFIG` naming the connector version and the missing member.
 */
export function clusterClass(): ClusterClass {
  if (Cluster === undefined) {
    const probe = mariadb.createPoolCluster()
    const found = probe.constructor as ClusterClass
    probe.end().catch(() => {})
    check.requireMethods(found.prototype, 'Cluster', [
      'add',
      '_createPool',
      '_createPoolCallback',
      '_setCallback',
      'getConnection',
      'of',
      'remove',
      'end',
    ])
    Cluster = found
  }
  return Cluster
}
