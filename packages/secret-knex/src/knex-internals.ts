import { DriverInternals } from '@org/secret-client/driver'
import MsSqlDialect from 'knex/lib/dialects/mssql/index.js'
import MySql2Dialect from 'knex/lib/dialects/mysql2/index.js'
import PgDialect from 'knex/lib/dialects/postgres/index.js'

/**
 * Every private member of knex (2.5 … 3.x) that `@org/secret-knex` uses, in one place, checked
 * when a client class is built: a knex without one is refused with `INVALID_CONFIG` naming its
 * version.
 *
 * knex exports only its base `Client`; a dialect is a subclass of it in `lib/dialects/<name>`,
 * which opens each pooled connection in `acquireRawConnection()` through the driver module
 * `_driver()` returns (`require('mysql2')`, `require('pg')`, `require('tedious')`), and checks an
 * idle one with `validateConnection(connection)` before handing it out. A rotation-aware client
 * is a subclass whose `_driver()` returns this project's driver package instead; the mssql dialect
 * builds tedious's config in `_generateConnection()`, which it completes with the secret options.
 */

const check: DriverInternals = new DriverInternals({
  wrapper: '@org/secret-knex',
  driver: 'knex',
  range: '>=2.5.1 <4',
  from: import.meta.url,
})

/** The members of a knex dialect class a rotation-aware client overrides. */
export interface DialectInternals {
  /** The options of the connection being opened (what the `connection` provider returned). */
  connectionSettings: Record<string, unknown>
  /** The driver module the dialect opens connections with. */
  _driver(): unknown
  /** Opens one connection for the pool. */
  acquireRawConnection(): Promise<object>
  /** Whether an idle pooled connection may be handed out. */
  validateConnection(connection: object): boolean | Promise<boolean>
  /** Ends the pool (knex's `destroy()`). */
  destroy(...args: unknown[]): unknown
}

/** A knex dialect class with {@link DialectInternals}. */
export type DialectClass = new (config: object) => DialectInternals

/** The dialects this package makes rotation-aware, by knex's client name. */
export type DialectName = 'mysql2' | 'pg' | 'mssql'

const DIALECTS: Record<DialectName, unknown> = {
  mysql2: MySql2Dialect,
  pg: PgDialect,
  mssql: MsSqlDialect,
}

/**
 * knex's dialect class for `name`, checked.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the knex version and the missing member.
 */
export function dialectClass(name: DialectName): DialectClass {
  const Dialect = DIALECTS[name]
  check.require(typeof Dialect === 'function', `lib/dialects/${name}`)
  const methods = ['_driver', 'acquireRawConnection', 'validateConnection', 'destroy']
  if (name === 'mssql') methods.push('_generateConnection')
  check.requireMethods((Dialect as { prototype: object }).prototype, `Client_${name}`, methods)
  return Dialect as unknown as DialectClass
}
