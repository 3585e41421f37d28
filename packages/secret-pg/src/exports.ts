import pg from 'pg'

export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  SecretClientError,
} from '@org/secret-client'
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
export { Client } from './client.js'
export { isAuthFailure } from './is-auth-failure.js'
export { Pool } from './pool.js'
export type {
  SecretClientConfig,
  SecretPgOptions,
  SecretPoolConfig,
} from './secret-pg-options.js'

// pg's own members, as its module object has them (the same objects: `defaults` and `types` are
// shared with pg, so `pg.types.setTypeParser` and `pg.defaults` settings apply to both).
/** pg's `Connection`. */
export const Connection: typeof pg.Connection = pg.Connection
/** pg's `DatabaseError` (from pg-protocol): the class of every server error, `28P01` included. */
export const DatabaseError: typeof pg.DatabaseError = pg.DatabaseError
/** pg's `defaults`. */
export const defaults: typeof pg.defaults = pg.defaults
/** pg's `escapeIdentifier`. */
export const escapeIdentifier: typeof pg.escapeIdentifier = pg.escapeIdentifier
/** pg's `escapeLiteral`. */
export const escapeLiteral: typeof pg.escapeLiteral = pg.escapeLiteral
/** pg's `Query`. */
export const Query: typeof pg.Query = pg.Query
/** pg's `Result`. */
export const Result: typeof pg.Result = pg.Result
/** pg's `TypeOverrides`. */
export const TypeOverrides: typeof pg.TypeOverrides = pg.TypeOverrides
/** pg's `types` (pg-types): `setTypeParser`, `builtins`. */
export const types: typeof pg.types = pg.types
