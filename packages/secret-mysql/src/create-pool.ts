import mysql, { type Pool, type PoolOptions } from 'mysql2'
import { assertSupportedMysql2 } from './internal/assert-supported-mysql2.js'
import { attachSecretToPool } from './internal/attach-secret-to-pool.js'
import { resolveSecretOptions } from './internal/resolve-secret-options.js'
import type { SecretOptions } from './secret-options.js'

/** Options of {@link createPool}: mysql2's `PoolOptions` without `user`/`password`, plus {@link SecretOptions}. */
export type SecretPoolOptions = Omit<PoolOptions, 'user' | 'password'> & SecretOptions

/**
 * mysql2's `createPool`, with credentials from a secret. Returns mysql2's own `Pool`: every new
 * physical connection authenticates with the secret's current credentials (refreshing the secret
 * and retrying when the database rejects them); idle connections opened with older credentials
 * are recycled after a rotation.
 * @throws `SecretClientError` `INVALID_CONFIG` (from `@org/secret-client`) for bad options or a mysql2 older than 3.23.3, synchronously.
 */
export function createPool(options: SecretPoolOptions): Pool {
  const { driverOptions, secret } = resolveSecretOptions<PoolOptions>(options)
  assertSupportedMysql2()
  const pool = mysql.createPool(driverOptions)
  attachSecretToPool(pool, secret)
  return pool
}
