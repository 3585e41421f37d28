/**
 * `@org/secret-knex/mssql`: knex's `mssql` client (SQL Server, on tedious) whose connections are
 * `@org/secret-tedious`'s.
 *
 * ```ts
 * import knex from 'knex'
 * import { MsSqlClient, secretConnection } from '@org/secret-knex/mssql'
 *
 * const db = knex({ client: MsSqlClient, connection: secretConnection({ secretName, host, database }) })
 * ```
 *
 * @packageDocumentation
 */

import secretTedious from '@org/secret-tedious'
import type { Knex } from 'knex'
import { rotationAwareClient } from './internal/rotation-aware-client.js'

/**
 * knex's `mssql` dialect, rotation-aware (see `secretConnection`): give it as `client`.
 * @throws `SecretClientError` `INVALID_CONFIG` when the installed knex lacks a member it needs.
 */
export const MsSqlClient: typeof Knex.Client = rotationAwareClient(
  'mssql',
  secretTedious,
) as unknown as typeof Knex.Client

export { secretConnection } from './secret-connection.js'
export type { SecretConnectionOptions } from './secret-connection-options.js'
