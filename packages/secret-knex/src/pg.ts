/**
 * `@org/secret-knex/pg`: knex's `pg` client (PostgreSQL) whose connections are
 * `@org/secret-pg`'s.
 *
 * ```ts
 * import knex from 'knex'
 * import { PgClient, secretConnection } from '@org/secret-knex/pg'
 *
 * const db = knex({ client: PgClient, connection: secretConnection({ secretName, host, database }) })
 * ```
 *
 * @packageDocumentation
 */

import secretPg from '@org/secret-pg'
import type { Knex } from 'knex'
import { rotationAwareClient } from './internal/rotation-aware-client.js'

/**
 * knex's `pg` dialect, rotation-aware (see `secretConnection`): give it as `client`.
 * @throws `SecretClientError` `INVALID_CONFIG` when the installed knex lacks a member it needs.
 */
export const PgClient: typeof Knex.Client = rotationAwareClient(
  'pg',
  secretPg,
) as unknown as typeof Knex.Client

export { secretConnection } from './secret-connection.js'
export type { SecretConnectionOptions } from './secret-connection-options.js'
