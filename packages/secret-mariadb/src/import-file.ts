import { SecretClientError } from '@org/secret-client'
import { createConnection } from './create-connection.js'
import { rethrowUncaught } from './internal/pool-errors.js'
import type { SecretConnectionConfig } from './secret-options.js'

/** Options of {@link importFile}: a connection's, plus the SQL file. */
export type SecretImportFileConfig = SecretConnectionConfig & {
  /** Path of the SQL file to run. */
  file: string
}

/**
 * The connector's `importFile` (mariadb ≥ 3.2): runs a SQL file on a connection opened with the
 * secret's credentials (through a rotation, as {@link createConnection}), then ends it.
 * @throws `SecretClientError` `INVALID_CONFIG` (as a rejection) for bad options or a connector
 *   without `importFile`; otherwise the connector's own errors.
 */
export async function importFile(config: SecretImportFileConfig): Promise<void> {
  const { file, ...options } = config
  const connection = await createConnection(options)
  try {
    await runImportFile(connection, { file, database: options.database })
  } finally {
    await connection.end()
  }
}

/**
 * The callback API's `importFile(config, callback)` (`mariadb/callback`), as {@link importFile}.
 * Errors thrown by `callback` surface as uncaught exceptions, as with the connector.
 */
export function importFileCallback(
  config: SecretImportFileConfig,
  callback: (error: Error | null) => void,
): void {
  importFile(config)
    .then(
      () => callback(null),
      (error: Error) => callback(error),
    )
    .catch(rethrowUncaught)
}

/**
 * A connection's `importFile(config)` (the connector's, mariadb ≥ 3.2).
 * @throws `SecretClientError` `INVALID_CONFIG` (as a rejection) for a connector without it.
 */
export async function runImportFile(connection: object, config: object): Promise<void> {
  const run = (connection as { importFile?: (config: object) => Promise<void> }).importFile
  if (typeof run !== 'function') {
    throw new SecretClientError('INVALID_CONFIG', 'importFile() needs mariadb >= 3.2')
  }
  await run.call(connection, config)
}
