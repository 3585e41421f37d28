import { resolveDriverOptions } from '@org/secret-client/driver'
import type { Pool } from 'mariadb/callback'
import { connectorAddsDefaultErrorListener } from './internal/default-error-listener.js'
import { mariadbOptionsSpec } from './internal/mariadb-options-spec.js'
import type { SecretPoolConfig } from './secret-options.js'
import { SecretPoolCallback } from './secret-pool-callback.js'

/**
 * The connector's callback-API `createPool` (`mariadb/callback`), with credentials from a secret:
 * a {@link SecretPoolCallback}, typed as the connector's callback `Pool`.
 * @throws `SecretClientError` `INVALID_CONFIG` for bad options, synchronously.
 */
export function createPool(config: SecretPoolConfig): Pool {
  const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
    config,
    mariadbOptionsSpec('pool'),
  )
  const pool = new SecretPoolCallback(driverOptions, secret)
  // As the connector's createPool does (3.1.2 on): an 'error' nobody listens to is not fatal.
  if (connectorAddsDefaultErrorListener()) pool.on('error', () => {})
  return pool as unknown as Pool
}
