import mysql from 'mysql2'

export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  type RotationRetryOptions,
  SecretClientError,
} from '@org/secret-client'
export * from 'mysql2'
export {
  createConnection as connect,
  createConnection,
  type SecretConnectionOptions,
} from './create-connection.js'
export { createPool, type SecretPoolOptions } from './create-pool.js'
export { createPoolCluster, type SecretPoolClusterType } from './create-pool-cluster.js'
export { isAuthFailure } from './is-auth-failure.js'
export {
  createConnection as createConnectionPromise,
  createPool as createPoolPromise,
  createPoolCluster as createPoolClusterPromise,
  type SecretPromisePoolCluster,
} from './promise-factories.js'
export { SecretConnection } from './secret-connection.js'
export type { SecretOptions, SecretPoolSecretOptions } from './secret-options.js'
export { SecretPool, type SecretPoolState, secretPoolState } from './secret-pool.js'
export { SecretPoolCluster } from './secret-pool-cluster.js'

// mysql2 defines these with getters, which Node's named-export detection for CommonJS modules
// does not see: re-exported explicitly so that `import { Types } from '@org/secret-mysql'` works.
/** mysql2's `Types` (column type codes). */
export const Types: typeof mysql.Types = mysql.Types
/** mysql2's `Charsets`. */
export const Charsets: typeof mysql.Charsets = mysql.Charsets
/** mysql2's `CharsetToEncoding`. */
export const CharsetToEncoding: typeof mysql.CharsetToEncoding = mysql.CharsetToEncoding
/** mysql2's `TypedParameter` types. */
export const TypedParameter: unknown = (mysql as unknown as { TypedParameter: unknown })
  .TypedParameter
