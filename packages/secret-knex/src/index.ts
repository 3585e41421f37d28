/**
 * `@org/secret-knex`: knex with credentials from a KMS secret. `secretConnection()` is knex's
 * `connection` option for a secret; the rotation-aware clients are in `@org/secret-knex/mysql2`,
 * `@org/secret-knex/pg` and `@org/secret-knex/mssql`.
 *
 * @packageDocumentation
 */

export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  SecretClientError,
} from '@org/secret-client'
export { secretConnection } from './secret-connection.js'
export type { SecretConnectionOptions } from './secret-connection-options.js'
