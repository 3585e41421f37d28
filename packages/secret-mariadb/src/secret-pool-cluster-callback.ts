import type { PoolClusterConfig } from 'mariadb'
import type { FilteredPoolCluster, PoolCluster, PoolConnection, SqlError } from 'mariadb/callback'
import type { SecretPoolConfig } from './secret-options.js'
import { type RotationAwareCluster, rotationAwareClusterClass } from './secret-pool-cluster.js'

type ConnectionCallback = (error: SqlError | null, connection?: PoolConnection) => void

/**
 * The connector's callback-API cluster (`mariadb/callback`'s `createPoolCluster`), whose nodes are
 * rotation-aware callback pools. The connector's `ClusterCallback` wraps a promise cluster it
 * creates itself and keeps private, so this class is its twin around a rotation-aware one: the
 * same methods with the same argument handling and errors (lib/cluster-callback.js), node
 * selection, blacklisting, `of()` and `remove()` left to the connector's cluster.
 */
export class SecretPoolClusterCallback {
  readonly #cluster: RotationAwareCluster
  /** The cluster's `on` (its `'remove'` event), bound as the connector binds it. */
  readonly on: PoolCluster['on']
  /** The cluster's `once`, bound as the connector binds it. */
  readonly once: PoolCluster['on']

  /**
   * @param config - the connector's cluster options.
   * @throws the connector's own error for bad cluster options; `SecretClientError`
   *   `INVALID_CONFIG` for a connector outside the supported range.
   */
  constructor(config?: PoolClusterConfig) {
    const Cluster = rotationAwareClusterClass()
    const cluster = new Cluster(config)
    cluster._setCallback()
    this.#cluster = cluster
    this.on = cluster.on.bind(cluster) as unknown as PoolCluster['on']
    const emitter = cluster as unknown as NodeJS.EventEmitter
    this.once = emitter.once.bind(emitter) as unknown as PoolCluster['on']
  }

  /**
   * Ends the cluster and its nodes' pools (each drains its generations).
   * @throws the connector's `Error` when `callback` is not a function, synchronously.
   */
  end(callback?: (error?: SqlError | null) => void): void {
    if (callback && typeof callback !== 'function') {
      throw new Error('callback parameter must be a function')
    }
    const ending = callback ?? (() => {})
    this.#cluster.end().then(() => ending(), ending)
  }

  /** A connection from a node matching `pattern`, chosen by `selector` (`'RR'`, `'RANDOM'`, `'ORDER'`). */
  getConnection(
    pattern?: string | null | ConnectionCallback,
    selector?: string | null | ConnectionCallback,
    callback?: ConnectionCallback,
  ): void {
    let pat = pattern
    let sel = selector
    let cal = callback
    if (typeof pattern === 'function') {
      pat = null
      sel = null
      cal = pattern
    } else if (typeof selector === 'function') {
      sel = null
      cal = selector
    }
    const callbackMode = this.#cluster as unknown as {
      getConnection(pattern: unknown, selector: unknown, callback: ConnectionCallback): void
    }
    callbackMode.getConnection(pat, sel, cal ?? (() => {}))
  }

  /**
   * Adds a node: a rotation-aware callback pool built from `config` (a pool's options with
   * `secretName`).
   * @throws `SecretClientError` `INVALID_CONFIG` for bad options, or the connector's own error for
   *   a duplicate identifier, synchronously.
   */
  add(id: string | SecretPoolConfig, config?: SecretPoolConfig): void {
    this.#cluster.add(id, config)
  }

  /** The connector's filtered cluster for the nodes matching `pattern`. */
  of(pattern: string | undefined | null | false, selector?: string): FilteredPoolCluster {
    return (this.#cluster as unknown as PoolCluster).of(
      pattern as string,
      selector,
    ) as unknown as FilteredPoolCluster
  }

  /**
   * Removes (and ends) the nodes matching `pattern`.
   * @throws the connector's `Error` without a pattern, synchronously.
   */
  remove(pattern: string): void {
    this.#cluster.remove(pattern)
  }

  /** The connector's test hooks of the cluster (its nodes), as its callback cluster exposes them. */
  get __tests(): unknown {
    return (this.#cluster as unknown as { __tests: unknown }).__tests
  }
}

/** The callback cluster's type with `add()` taking a pool's options with `secretName`. */
export type SecretCallbackPoolCluster = Omit<PoolCluster, 'add'> & {
  add(id: string, config: SecretPoolConfig): void
  add(config: SecretPoolConfig): void
}
