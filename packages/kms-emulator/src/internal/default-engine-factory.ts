import type { DatabaseEngine, DatabaseServerConfig } from '../database/database-engine.js'
import { KmsEmulatorError } from '../errors.js'

// TEMPORARY until src/database/create-database-engine.ts lands.
export function createDatabaseEngine(_config: DatabaseServerConfig): DatabaseEngine {
  throw new KmsEmulatorError('INVALID_OPTIONS', 'database engines are not available yet')
}
