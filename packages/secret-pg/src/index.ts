/**
 * `@org/secret-pg`: pg (node-postgres) that reads its credentials from a KMS secret and gets
 * through password rotation. Swap `import pg from 'pg'` for `import pg from '@org/secret-pg'` and
 * give `secretName` instead of `user`/`password`; everything else is pg's own API and types.
 *
 * @packageDocumentation
 */

import { closeDefaultSecretClient } from '@org/secret-client'
import pg from 'pg'
import { Client } from './client.js'
import { isAuthFailure } from './is-auth-failure.js'
import { Pool } from './pool.js'

export { AuthRetryExhaustedError, closeDefaultSecretClient } from '@org/secret-client'
export type {
  BindConfig,
  ClientBase,
  ClientConfig,
  ConnectionConfig,
  CustomTypesConfig,
  Defaults,
  ExecuteConfig,
  FieldDef,
  MessageConfig,
  Notification,
  PoolClient,
  PoolConfig,
  PoolOptions,
  QueryArrayConfig,
  QueryArrayResult,
  QueryConfig,
  QueryConfigValues,
  QueryParse,
  QueryResult,
  QueryResultBase,
  QueryResultRow,
  ResultBuilder,
  Submittable,
  TransactionStatus,
} from 'pg'
export {
  Connection,
  DatabaseError,
  defaults,
  escapeIdentifier,
  escapeLiteral,
  Query,
  Result,
  TypeOverrides,
  types,
} from 'pg'
export { Client } from './client.js'
export { isAuthFailure } from './is-auth-failure.js'
export { Pool } from './pool.js'
export type {
  SecretClientConfig,
  SecretPgOptions,
  SecretPoolConfig,
} from './secret-pg-options.js'

/**
 * The default export, shaped like pg's: its `Client` and `Pool` are this package's, every other
 * member is pg's own (`types`, `DatabaseError`, `defaults`, …).
 */
const secretPg: Omit<typeof pg, 'Client' | 'Pool' | 'native'> & {
  Client: typeof Client
  Pool: typeof Pool
  isAuthFailure: typeof isAuthFailure
  closeDefaultSecretClient: typeof closeDefaultSecretClient
} = {
  defaults: pg.defaults,
  ClientBase: pg.ClientBase,
  Events: pg.Events,
  Query: pg.Query,
  Connection: pg.Connection,
  types: pg.types,
  DatabaseError: pg.DatabaseError,
  TypeOverrides: pg.TypeOverrides,
  escapeIdentifier: pg.escapeIdentifier,
  escapeLiteral: pg.escapeLiteral,
  Result: pg.Result,
  Client,
  Pool,
  isAuthFailure,
  closeDefaultSecretClient,
}

export default secretPg
