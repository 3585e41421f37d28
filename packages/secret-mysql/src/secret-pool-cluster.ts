import { resolveDriverOptions } from '@org/secret-client/driver'
import mysql, { type Pool, type PoolCluster, type PoolClusterOptions } from 'mysql2'
import { mysql2OptionsSpec, rejectStream } from './internal/mysql2-options-spec.js'
import { poolClusterInternals } from './mysql2-internals.js'
import { SecretPool } from './secret-pool.js'

/**
 * mysql2's `PoolCluster`, whose `add(id, options)` takes a secret: each node's pool is a
 * rotation-aware {@link SecretPool} authenticating through its own secret. Everything else
 * (selectors, `of()`, offline nodes, `remove`, `end`) is mysql2's own.
 */
/** mysql2's runtime `PoolCluster` class (its typings only declare an interface). */
const CorePoolCluster = (
  mysql as unknown as { PoolCluster: new (config?: PoolClusterOptions) => PoolCluster }
).PoolCluster

export class SecretPoolCluster extends CorePoolCluster {
  /**
   * @param config - mysql2's `PoolClusterOptions`.
   */
  constructor(config?: PoolClusterOptions) {
    super(config)
    poolClusterInternals(this)
  }

  /**
   * mysql2's `add`: a node named `id` (or `CLUSTER::<n>` when only options are given) whose pool
   * takes its credentials from `options.secretName`. As in mysql2, adding an existing id does
   * nothing.
   * @throws `SecretClientError` `INVALID_CONFIG` for bad node options or a mysql2 outside the
   *   supported range.
   */
  override add(id: unknown, options?: unknown): void {
    const named = typeof id === 'string'
    const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
      named ? options : id,
      mysql2OptionsSpec('pool'),
    )
    rejectStream(driverOptions)
    const nodes = poolClusterInternals(this)._nodes
    const before = new Set(Object.keys(nodes))
    if (named) super.add(id, driverOptions as never)
    else super.add(driverOptions as never)
    for (const nodeId of Object.keys(nodes)) {
      const node = nodes[nodeId]
      if (before.has(nodeId) || node === undefined) continue
      // mysql2 built a plain pool (it has no hook for the class): ours takes over its config;
      // the plain one never opened a connection and is ended at once.
      const plain = node.pool
      node.pool = new SecretPool(
        (plain as unknown as { config: object }).config,
        secret,
      ) as unknown as Pool
      plain.end()
    }
  }
}
