/**
 * `@org/secret-tedious/mssql`: node-mssql's `ConnectionPool` reading its SQL login from a KMS
 * secret and getting through password rotation. Create pools with
 * `new ConnectionPool({ server, database, secretName })` from here instead of mssql's; requests,
 * transactions, types and errors stay mssql's own (`import sql from 'mssql'`).
 *
 * @packageDocumentation
 */

export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  SecretClientError,
} from '@org/secret-client'
export { isAuthFailure, LOGIN_FAILED } from './is-auth-failure.js'
export { ConnectionPool } from './mssql-connection-pool.js'
export type { SecretMssqlConfig } from './mssql-options.js'
