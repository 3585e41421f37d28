import { DriverInternals } from '@org/secret-client/driver'
import mssql from 'mssql'

/**
 * Every private member of node-mssql (11 … 12, its tedious driver) that
 * `@org/secret-tedious/mssql` uses, in one place, checked when a pool is created: an mssql without
 * one is refused with `INVALID_CONFIG` naming its version.
 *
 * mssql creates each pooled connection in `ConnectionPool#_poolCreate()` (a new tedious
 * `Connection` from `pool.config`, read synchronously when it is called) and checks an idle one
 * before handing it out with `ConnectionPool#_poolValidate(connection)` (tarn's `validate`); a
 * rotation-aware pool overrides both in a subclass, and `beforeConnect` (public) watches each
 * login.
 */

const check: DriverInternals = new DriverInternals({
  wrapper: '@org/secret-tedious/mssql',
  driver: 'mssql',
  range: '>=11.0.0 <13',
  from: import.meta.url,
})

/** The members of mssql's (tedious) `ConnectionPool` a rotation-aware pool overrides. */
export interface PoolInternals {
  /** The pool's configuration, which `_poolCreate()` reads the credentials from. */
  config: Record<string, unknown>
  /** Opens one tedious connection with the credentials in `config`. */
  _poolCreate(): Promise<object>
  /** Whether an idle connection may be handed out (tarn's `validate`). */
  _poolValidate(connection: object): boolean | Promise<boolean>
}

/** mssql's `ConnectionPool` class with the members of {@link PoolInternals}. */
export type PoolClass = new (
  config: Record<string, unknown>,
  callback?: (error?: unknown) => void,
) => mssql.ConnectionPool & PoolInternals

let checked: PoolClass | undefined

/**
 * mssql's `ConnectionPool`, checked.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the mssql version and the missing member.
 */
export function poolClass(): PoolClass {
  if (checked === undefined) {
    const Pool = mssql.ConnectionPool as unknown as PoolClass
    check.requireMethods(Pool.prototype, 'ConnectionPool', ['_poolCreate', '_poolValidate'])
    checked = Pool
  }
  return checked
}
