import type { DatabaseEngineKind, DatabaseServerConfig } from './database-engine.js'
import { DatabaseEngineError } from './database-engine-error.js'

/** A {@link DatabaseServerConfig} with every default applied, frozen. */
export interface ResolvedServerConfig {
  readonly engine: DatabaseEngineKind
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
  readonly connectTimeoutMs: number
}

const KINDS: ReadonlySet<string> = new Set(['mysql', 'mariadb', 'postgresql', 'sqlserver'])

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  mysql: 3306,
  mariadb: 3306,
  postgresql: 5432,
  sqlserver: 1433,
}

/** Validates a server config once and resolves its defaults; `INVALID_CONFIG` otherwise. */
export function resolveServerConfig(config: DatabaseServerConfig): ResolvedServerConfig {
  const invalid = (what: string) =>
    new DatabaseEngineError('INVALID_CONFIG', `Invalid database server config: ${what}.`)
  if (typeof config !== 'object' || config === null) throw invalid('expected an object')
  if (typeof config.engine !== 'string' || !KINDS.has(config.engine)) {
    throw invalid('engine must be "mysql", "mariadb", "postgresql" or "sqlserver"')
  }
  const port = config.port ?? (DEFAULT_PORTS[config.engine] as number)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('port must be 1-65535')
  if (typeof config.user !== 'string' || config.user.length === 0) {
    throw invalid('user must be a non-empty string')
  }
  if (config.password !== undefined && typeof config.password !== 'string') {
    throw invalid('password must be a string')
  }
  const host = config.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host.length === 0)
    throw invalid('host must be a non-empty string')
  const database = config.database ?? (config.engine === 'sqlserver' ? 'master' : 'postgres')
  if (typeof database !== 'string' || database.length === 0) {
    throw invalid('database must be a non-empty string')
  }
  const connectTimeoutMs = config.connectTimeoutMs ?? 5000
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
    throw invalid('connectTimeoutMs must be a positive integer')
  }
  return Object.freeze({
    engine: config.engine,
    host,
    port,
    user: config.user,
    password: config.password ?? '',
    database,
    connectTimeoutMs,
  })
}
