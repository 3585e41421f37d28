import { randomBytes } from 'node:crypto'
import type { EmulatorAccessKey } from '../auth/access-key.js'
import { type EmulatorClock, systemClock } from '../clock.js'
import type { DatabaseServerConfig } from '../database/database-engine.js'
import { KmsEmulatorError } from '../errors.js'
import type { InitialSecret, KmsEmulatorOptions } from '../kms-emulator-options.js'
import type { EmulatorLogger } from '../logger.js'
import type { DatabaseEngineFactory } from '../rotation/engine-registry.js'

/** Options with defaults applied, frozen. */
export interface ResolvedOptions {
  host: string
  port: number
  regionId: string
  accountId: string
  accessKeys: readonly EmulatorAccessKey[]
  databases: Readonly<Record<string, DatabaseServerConfig>>
  secrets: readonly InitialSecret[]
  stateFile: string | undefined
  clock: EmulatorClock
  allowShortRotationInterval: boolean
  schedulerIntervalMs: number
  logger: EmulatorLogger
  databaseEngineFactory: DatabaseEngineFactory | undefined
  maxAuditEntries: number
  closeTimeoutMs: number
  random: () => number
}

function invalid(message: string): KmsEmulatorError {
  return new KmsEmulatorError('INVALID_OPTIONS', message)
}

const ENGINES = new Set(['mysql', 'mariadb', 'postgresql', 'sqlserver'])

/** Validates options (also those read from a CLI config file) and applies defaults. */
export function resolveOptions(options: KmsEmulatorOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object')
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host === '') throw invalid('host must be a non-empty string')
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalid('port must be an integer between 0 and 65535')
  }
  const regionId = options.regionId ?? 'cn-hangzhou'
  if (typeof regionId !== 'string' || !/^[a-z0-9-]+$/.test(regionId)) {
    throw invalid('regionId must look like cn-hangzhou')
  }
  const accountId = options.accountId ?? '1234567890123456'
  if (typeof accountId !== 'string' || !/^\d+$/.test(accountId)) {
    throw invalid('accountId must be digits')
  }
  const accessKeys = options.accessKeys ?? [
    {
      accessKeyId: `LTAI${randomBytes(10).toString('hex')}`,
      accessKeySecret: randomBytes(15).toString('base64url'),
    },
  ]
  if (!Array.isArray(accessKeys) || accessKeys.length === 0) {
    throw invalid('accessKeys must be a non-empty array')
  }
  const seenKeys = new Set<string>()
  for (const k of accessKeys) {
    if (
      !k ||
      typeof k.accessKeyId !== 'string' ||
      k.accessKeyId === '' ||
      typeof k.accessKeySecret !== 'string' ||
      k.accessKeySecret === '' ||
      (k.securityToken !== undefined && typeof k.securityToken !== 'string')
    ) {
      throw invalid('each access key needs a non-empty accessKeyId and accessKeySecret')
    }
    if (seenKeys.has(k.accessKeyId)) throw invalid(`access key ${k.accessKeyId} is listed twice`)
    seenKeys.add(k.accessKeyId)
  }
  const databases = options.databases ?? {}
  if (typeof databases !== 'object' || databases === null || Array.isArray(databases)) {
    throw invalid('databases must be an object keyed by DBInstanceId')
  }
  for (const [id, db] of Object.entries(databases)) {
    if (!db || !ENGINES.has(db.engine) || typeof db.user !== 'string') {
      throw invalid(
        `database ${id} needs engine (mysql, mariadb, postgresql or sqlserver) and user`,
      )
    }
  }
  const secrets = options.secrets ?? []
  if (!Array.isArray(secrets)) throw invalid('secrets must be an array')
  const schedulerIntervalMs = options.schedulerIntervalMs ?? 1000
  if (typeof schedulerIntervalMs !== 'number' || schedulerIntervalMs < 0) {
    throw invalid('schedulerIntervalMs must be a non-negative number')
  }
  const maxAuditEntries = options.maxAuditEntries ?? 10_000
  if (!Number.isInteger(maxAuditEntries) || maxAuditEntries < 1) {
    throw invalid('maxAuditEntries must be a positive integer')
  }
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000
  if (
    typeof closeTimeoutMs !== 'number' ||
    !Number.isFinite(closeTimeoutMs) ||
    closeTimeoutMs < 0
  ) {
    throw invalid('closeTimeoutMs must be a non-negative number')
  }
  if (options.stateFile !== undefined && typeof options.stateFile !== 'string') {
    throw invalid('stateFile must be a path')
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw invalid('clock must have a now() method')
  }
  if (
    options.logger !== undefined &&
    (typeof options.logger !== 'object' || options.logger === null)
  ) {
    throw invalid('logger must be an object with optional info/warn/error methods')
  }
  if (
    options.databaseEngineFactory !== undefined &&
    typeof options.databaseEngineFactory !== 'function'
  ) {
    throw invalid('databaseEngineFactory must be a function')
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw invalid('random must be a function')
  }
  if (
    options.allowShortRotationInterval !== undefined &&
    typeof options.allowShortRotationInterval !== 'boolean'
  ) {
    throw invalid('allowShortRotationInterval must be a boolean')
  }
  return Object.freeze({
    host,
    port,
    regionId,
    accountId,
    accessKeys: Object.freeze(accessKeys.map((k) => ({ ...k }))),
    databases: Object.freeze({ ...databases }),
    secrets: Object.freeze([...secrets]),
    stateFile: options.stateFile,
    clock: options.clock ?? systemClock,
    allowShortRotationInterval: options.allowShortRotationInterval ?? false,
    schedulerIntervalMs,
    logger: options.logger ?? {},
    databaseEngineFactory: options.databaseEngineFactory,
    maxAuditEntries,
    closeTimeoutMs,
    random: options.random ?? Math.random,
  })
}
