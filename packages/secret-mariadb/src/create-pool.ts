import { resolveDriverOptions } from '@org/secret-client/driver'
import type { Pool } from 'mariadb'
import { connectorAddsDefaultErrorListener } from './internal/default-error-listener.js'
import { mariadbOptionsSpec } from './internal/mariadb-options-spec.js'
import type { SecretPoolConfig } from './secret-options.js'
import { SecretPool } from './secret-pool.js'

/**
 * The connector's `createPool`, with credentials from a secret: a {@link SecretPool}, typed as the
 * connector's `Pool`. As the connector does, it starts opening connections at once (after reading
 * the secret) and, where the installed connector adds one (3.1.2 on), has a default `'error'`
 * listener.
 * @throws `SecretClientError` `INVALID_CONFIG` (from `@org/secret-client`) for bad options,
 *   synchronously, as the connector throws for its own.
 */
export function createPool(config: SecretPoolConfig): Pool {
  const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
    config,
    mariadbOptionsSpec('pool'),
  )
  const pool = new SecretPool(driverOptions, secret)
  // As the connector's createPool does (3.1.2 on): an 'error' nobody listens to is not fatal.
  if (connectorAddsDefaultErrorListener()) pool.on('error', () => {})
  return pool as unknown as Pool
}
