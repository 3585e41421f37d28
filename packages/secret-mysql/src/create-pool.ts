import { resolveDriverOptions } from '@org/secret-client/driver'
import type { Pool, PoolOptions } from 'mysql2'
import { mysql2OptionsSpec, rejectStream } from './internal/mysql2-options-spec.js'
import { newPoolConfig } from './mysql2-internals.js'
import type { SecretPoolSecretOptions } from './secret-options.js'
import { SecretPool } from './secret-pool.js'

/**
 * Options of {@link createPool}: mysql2's `PoolOptions` without `user`, `password` and `stream`,
 * plus the secret options (with `recycleIdleOnRotation`).
 */
export type SecretPoolOptions = Omit<PoolOptions, 'user' | 'password' | 'stream'> &
  SecretPoolSecretOptions

/**
 * mysql2's `createPool`, with credentials from a secret. Returns mysql2's own `Pool` (a
 * {@link SecretPool}): every new physical connection logs in with the secret's current
 * credentials (refreshing the secret and retrying when the database rejects them); connections
 * of older versions are retired after a rotation.
 * @throws `SecretClientError` `INVALID_CONFIG` (from `@org/secret-client`) for bad options or a
 *   mysql2 outside the supported range, synchronously.
 */
export function createPool(options: SecretPoolOptions): Pool {
  const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
    options,
    mysql2OptionsSpec('pool'),
  )
  rejectStream(driverOptions)
  return new SecretPool(newPoolConfig(driverOptions), secret) as unknown as Pool
}
