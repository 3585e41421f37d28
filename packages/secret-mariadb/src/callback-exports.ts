export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  type RotationRetryOptions,
  SecretClientError,
} from '@org/secret-client'
export * from 'mariadb/callback'
export { createConnection } from './create-callback-connection.js'
export { createPool } from './create-callback-pool.js'
export { createPoolCluster } from './create-callback-pool-cluster.js'
export { importFileCallback as importFile } from './import-file.js'
export { type SecretPoolState, secretPoolState } from './internal/generational-pool.js'
export { isAuthFailure } from './is-auth-failure.js'
export type {
  SecretConnectionConfig,
  SecretOptions,
  SecretPoolConfig,
  SecretPoolSecretOptions,
} from './secret-options.js'
export { SecretPoolCallback } from './secret-pool-callback.js'
export {
  type SecretCallbackPoolCluster,
  SecretPoolClusterCallback,
} from './secret-pool-cluster-callback.js'
