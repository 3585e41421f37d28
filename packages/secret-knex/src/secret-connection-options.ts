import type { SecretPoolDriverOptions } from '@org/secret-client/driver'
import type { Knex } from 'knex'

/** `T` (each member of a union) without the keys that carry credentials. */
type WithoutCredentials<T> = T extends unknown
  ? Omit<T, 'user' | 'password' | 'userName' | 'domain' | 'type' | 'expirationChecker'>
  : never

/**
 * What {@link secretConnection} takes: knex's connection options of the dialect in use without
 * the credentials (mysql2, pg: `host`, `port`, `database`, `ssl`, …; mssql: `server` or `host`,
 * `port`, `database`, `options`, …), plus the kit's secret options (`secretName`, `secretClient`,
 * `versionStage`, `rotationRetry`, `recycleIdleOnRotation`).
 */
export type SecretConnectionOptions = SecretPoolDriverOptions &
  (
    | WithoutCredentials<Knex.MySql2ConnectionConfig>
    | WithoutCredentials<Knex.PgConnectionConfig>
    | WithoutCredentials<Knex.MsSqlConnectionConfig>
  )
