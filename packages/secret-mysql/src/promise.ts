import { connectWithSecret } from '@org/secret-client'
import mysqlPromise, {
  type Connection,
  type ConnectionOptions,
  type Pool,
  type PoolCluster,
  type PoolClusterOptions,
} from 'mysql2/promise'
import { createPool as createCorePool, type SecretPoolOptions } from './create-pool.js'
import { attachSecretToPoolCluster } from './create-pool-cluster.js'
import { observedSource } from './internal/observed-source.js'
import { applyCredentials, resolveSecretOptions } from './internal/resolve-secret-options.js'
import { isAuthFailure } from './is-auth-failure.js'
import type { SecretOptions } from './secret-options.js'

export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  type RotationRetryOptions,
} from '@org/secret-client'
export * from 'mysql2/promise'
export type { SecretPoolOptions } from './create-pool.js'
export { type SecretPoolState, secretPoolState } from './internal/attach-secret-to-pool.js'
export { isAuthFailure } from './is-auth-failure.js'
export type { SecretOptions } from './secret-options.js'

/** Options of {@link createConnection}: mysql2's `ConnectionOptions` without `user`/`password`, plus {@link SecretOptions}. */
export type SecretConnectionOptions = Omit<ConnectionOptions, 'user' | 'password'> & SecretOptions

/** mysql2's promise `PoolCluster` whose `add` takes {@link SecretPoolOptions}. */
export type SecretPromisePoolCluster = Omit<PoolCluster, 'add'> & {
  /** Adds a node (named `CLUSTER::<n>`) whose pool authenticates through `options.secretName`. */
  add(options: SecretPoolOptions): void
  /** Adds a node named `id` whose pool authenticates through `options.secretName`. */
  add(id: string, options: SecretPoolOptions): void
}

/**
 * `mysql2/promise`'s `createConnection`, with credentials from a secret: resolves mysql2's own
 * promise `Connection` once logged in. When the database rejects the credentials (errno 1045) the
 * secret is refreshed and the login retried within `rotationRetry`; then it rejects with
 * `AuthRetryExhaustedError` (the last mysql2 error as `cause`). Other errors reject at once.
 * @throws `SecretClientError` `INVALID_CONFIG` (from `@org/secret-client`) for bad options: a
 *   rejection, before any connection attempt or KMS call.
 */
export async function createConnection(options: SecretConnectionOptions): Promise<Connection> {
  const { driverOptions, secret } = resolveSecretOptions<ConnectionOptions>(options)
  const { connection } = await connectWithSecret({
    // Shared with this package's pools on the same client: their refreshes coalesce.
    source: observedSource(secret.source()),
    secretName: secret.secretName,
    ...(secret.versionStage !== undefined ? { versionStage: secret.versionStage } : {}),
    ...(secret.rotationRetry !== undefined ? { retry: secret.rotationRetry } : {}),
    isAuthFailure,
    connect: (credentials) => {
      const attempt: ConnectionOptions = { ...driverOptions }
      applyCredentials(attempt, credentials, secret.given)
      return mysqlPromise.createConnection(attempt)
    },
  })
  return connection
}

/**
 * `mysql2/promise`'s `createPool`, with credentials from a secret (see the callback
 * `createPool`): returns mysql2's own promise `Pool`.
 * @throws `SecretClientError` `INVALID_CONFIG` (from `@org/secret-client`) for bad options, synchronously.
 */
export function createPool(options: SecretPoolOptions): Pool {
  const core = createCorePool(options)
  return core.promise((options as { Promise?: PromiseConstructor }).Promise)
}

/**
 * `mysql2/promise`'s `createPoolCluster`, whose `add(id, options)` takes
 * {@link SecretPoolOptions}: each node's pool authenticates through its secret.
 */
export function createPoolCluster(config?: PoolClusterOptions): SecretPromisePoolCluster {
  const cluster = mysqlPromise.createPoolCluster(config)
  const core = (cluster as unknown as { poolCluster: import('mysql2').PoolCluster }).poolCluster
  const add = attachSecretToPoolCluster(core)
  // The promise cluster's own add() calls PoolCluster.prototype.add, bypassing the core's.
  ;(cluster as unknown as { add: typeof add }).add = add
  return cluster as unknown as SecretPromisePoolCluster
}

/** A plain object with the same own properties (getters kept as getters) as `source`. */
function withOwnProperties<T extends object>(source: T): T {
  return Object.defineProperties({}, Object.getOwnPropertyDescriptors(source)) as T
}

/** `mysql2/promise`'s module object with the secret-aware factories in place of its own. */
const secretMysqlPromise: Omit<
  typeof mysqlPromise,
  'createConnection' | 'createPool' | 'createPoolCluster'
> & {
  createConnection: typeof createConnection
  createPool: typeof createPool
  createPoolCluster: typeof createPoolCluster
} = Object.assign(withOwnProperties(mysqlPromise), {
  createConnection,
  createPool,
  createPoolCluster,
})

export default secretMysqlPromise
