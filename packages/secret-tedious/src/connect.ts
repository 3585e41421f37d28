import { Connection } from './connection.js'
import type { SecretConnectionConfig } from './secret-options.js'

/**
 * tedious's `connect(config, connectListener)`: a {@link Connection} created and connected.
 * @throws as `new Connection(config)`, synchronously.
 */
export function connect(
  config: SecretConnectionConfig,
  connectListener?: (err?: Error) => void,
): Connection {
  const connection = new Connection(config)
  connection.connect(connectListener)
  return connection
}
