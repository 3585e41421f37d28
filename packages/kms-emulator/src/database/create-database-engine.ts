import { resolveServerConfig } from './_resolve-config.js'
import type { DatabaseEngine, DatabaseServerConfig } from './database-engine.js'
import { MysqlEngine } from './mysql-engine.js'
import { PostgresEngine } from './postgres-engine.js'
import { SqlServerEngine } from './sqlserver-engine.js'

/**
 * Creates the {@link DatabaseEngine} for a declared server: {@link MysqlEngine} for `mysql` and
 * `mariadb`, {@link PostgresEngine} for `postgresql`, {@link SqlServerEngine} for `sqlserver`. The config is validated and frozen here
 * (`DatabaseEngineError` code `INVALID_CONFIG` otherwise); no connection is opened until the
 * first operation.
 *
 * @param config - the server and its admin account
 */
export function createDatabaseEngine(config: DatabaseServerConfig): DatabaseEngine {
  const resolved = resolveServerConfig(config)
  switch (resolved.engine) {
    case 'postgresql':
      return new PostgresEngine(resolved)
    case 'sqlserver':
      return new SqlServerEngine(resolved)
    default:
      return new MysqlEngine(resolved)
  }
}
