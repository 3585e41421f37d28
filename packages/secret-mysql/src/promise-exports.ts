import mysql from 'mysql2'

export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  type RotationRetryOptions,
  SecretClientError,
} from '@org/secret-client'
export * from 'mysql2/promise'
export type { SecretConnectionOptions } from './create-connection.js'
export type { SecretPoolOptions } from './create-pool.js'
export { isAuthFailure } from './is-auth-failure.js'
export {
  createConnection,
  createPool,
  createPoolCluster,
  type SecretPromisePoolCluster,
} from './promise-factories.js'
export type { SecretOptions, SecretPoolSecretOptions } from './secret-options.js'
export { type SecretPoolState, secretPoolState } from './secret-pool.js'

// Defined with getters in mysql2/promise: re-exported explicitly (see exports.ts).
/** mysql2's `Types` (column type codes). */
export const Types: typeof mysql.Types = mysql.Types
/** mysql2's `Charsets`. */
export const Charsets: typeof mysql.Charsets = mysql.Charsets
/** mysql2's `CharsetToEncoding`. */
export const CharsetToEncoding: typeof mysql.CharsetToEncoding = mysql.CharsetToEncoding
