import mysql from 'mysql2'
import { createConnection } from './create-connection.js'
import { createPool } from './create-pool.js'
import { createPoolCluster } from './create-pool-cluster.js'

export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  type RotationRetryOptions,
} from '@org/secret-client'
export * from 'mysql2'
export {
  createConnection as connect,
  createConnection,
  type SecretConnectionOptions,
} from './create-connection.js'
export { createPool, type SecretPoolOptions } from './create-pool.js'
export { createPoolCluster, type SecretPoolCluster } from './create-pool-cluster.js'
export { type SecretPoolState, secretPoolState } from './internal/attach-secret-to-pool.js'
export { isAuthFailure } from './is-auth-failure.js'
export type { SecretOptions } from './secret-options.js'

/** A plain object with the same own properties (getters kept as getters) as `source`. */
function withOwnProperties<T extends object>(source: T): T {
  return Object.defineProperties({}, Object.getOwnPropertyDescriptors(source)) as T
}

/**
 * mysql2's module object with the secret-aware factories in place of its own, so
 * `import mysql from '@org/secret-mysql'` is a drop-in for `import mysql from 'mysql2'`. The
 * promise factories (`createConnectionPromise`, …) stay mysql2's: use `@org/secret-mysql/promise`.
 */
const secretMysql: Omit<
  typeof mysql,
  'createConnection' | 'connect' | 'createPool' | 'createPoolCluster'
> & {
  createConnection: typeof createConnection
  connect: typeof createConnection
  createPool: typeof createPool
  createPoolCluster: typeof createPoolCluster
} = Object.assign(withOwnProperties(mysql), {
  createConnection,
  connect: createConnection,
  createPool,
  createPoolCluster,
})

export default secretMysql
