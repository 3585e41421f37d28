export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  type RotationRetryOptions,
  SecretClientError,
} from '@org/secret-client'
export * from 'mariadb'
export { createConnection } from './create-connection.js'
export { createPool } from './create-pool.js'
export { createPoolCluster } from './create-pool-cluster.js'
export { importFile, type SecretImportFileConfig } from './import-file.js'
export { type SecretPoolState, secretPoolState } from './internal/generational-pool.js'
export { isAuthFailure } from './is-auth-failure.js'
export type {
  SecretConnectionConfig,
  SecretOptions,
  SecretPoolConfig,
  SecretPoolSecretOptions,
} from './secret-options.js'
export { SecretPool } from './secret-pool.js'
export type { SecretPoolCluster } from './secret-pool-cluster.js'
