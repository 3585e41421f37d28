import { resolveDriverOptions } from '@org/secret-client/driver'
import mysql, { type Connection, type ConnectionOptions } from 'mysql2'
import { mysql2OptionsSpec, rejectStream } from './internal/mysql2-options-spec.js'
import { SecretConnection } from './secret-connection.js'
import type { SecretOptions } from './secret-options.js'

/**
 * Options of {@link createConnection}: mysql2's `ConnectionOptions` without `user`, `password`
 * and `stream`, plus {@link SecretOptions}.
 */
export type SecretConnectionOptions = Omit<ConnectionOptions, 'user' | 'password' | 'stream'> &
  SecretOptions

/**
 * mysql2's `createConnection`, with credentials from a secret. Returns mysql2's own `Connection`
 * (a {@link SecretConnection}) at once, exactly as mysql2 does: commands queue until the login,
 * which reads the secret first and gets through a rotation (see {@link SecretConnection}).
 * @throws `SecretClientError` `INVALID_CONFIG` (from `@org/secret-client`) for bad options, synchronously.
 */
export function createConnection(options: SecretConnectionOptions): Connection {
  const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
    options,
    mysql2OptionsSpec('connection'),
  )
  rejectStream(driverOptions)
  // mysql2's runtime ConnectionConfig class (its typings only declare an interface).
  const ConnectionConfig = (
    mysql as unknown as { ConnectionConfig: new (options: object) => Record<string, unknown> }
  ).ConnectionConfig
  return new SecretConnection(new ConnectionConfig(driverOptions), secret) as unknown as Connection
}
