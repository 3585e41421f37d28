/**
 * `@org/secret-knex/mysql2`: knex's `mysql2` client (MySQL, MariaDB) whose connections are
 * `@org/secret-mysql`'s.
 *
 * ```ts
 * import knex from 'knex'
 * import { MySql2Client, secretConnection } from '@org/secret-knex/mysql2'
 *
 * const db = knex({ client: MySql2Client, connection: secretConnection({ secretName, host, database }) })
 * ```
 *
 * @packageDocumentation
 */

import secretMysql from '@org/secret-mysql'
import type { Knex } from 'knex'
import { rotationAwareClient } from './internal/rotation-aware-client.js'

/**
 * knex's `mysql2` dialect, rotation-aware (see `secretConnection`): give it as `client`.
 * @throws `SecretClientError` `INVALID_CONFIG` when the installed knex lacks a member it needs.
 */
export const MySql2Client: typeof Knex.Client = rotationAwareClient(
  'mysql2',
  secretMysql,
) as unknown as typeof Knex.Client

export { secretConnection } from './secret-connection.js'
export type { SecretConnectionOptions } from './secret-connection-options.js'
