import { inspect } from 'node:util'
import { SecretClientError } from './errors.js'
import { parseSecretJson, type SecretJson } from './internal/parse-secret-json.js'
import type { SecretInfo } from './secret-info.js'
import type { DatabaseCredentials } from './types.js'

const MASK = '******'

/**
 * {@link DatabaseCredentials} whose password is an ordinary field (so `{ ...creds }` and
 * destructuring work) but is masked by `util.inspect`, `JSON.stringify` and `String()`.
 */
class MaskedDatabaseCredentials implements DatabaseCredentials {
  readonly username: string
  readonly password: string
  // `declare`: no own property at all when absent (a class field would be an own `undefined`).
  declare readonly host?: string
  declare readonly port?: number
  declare readonly database?: string
  readonly versionId: string
  readonly secretName: string

  constructor(fields: DatabaseCredentials) {
    this.username = fields.username
    this.password = fields.password
    if (fields.host !== undefined) this.host = fields.host
    if (fields.port !== undefined) this.port = fields.port
    if (fields.database !== undefined) this.database = fields.database
    this.versionId = fields.versionId
    this.secretName = fields.secretName
    Object.freeze(this)
  }

  toJSON(): DatabaseCredentials {
    return { ...this, password: MASK }
  }

  toString(): string {
    return `DatabaseCredentials(${this.secretName}@${this.versionId})`
  }

  [inspect.custom](): string {
    return `DatabaseCredentials ${inspect(this.toJSON())}`
  }
}

function fail(secretName: string, versionId: string, problem: string): SecretClientError {
  return new SecretClientError(
    'INVALID_SECRET_VALUE',
    `secret "${secretName}" (version ${versionId}) is not database credentials: ${problem}`,
    { secretName },
  )
}

/** First of `keys` present (not undefined/null) in `record`, with the key it was found under. */
function pick(record: Record<string, unknown>, keys: readonly string[]): [string, unknown] {
  for (const key of keys) {
    const value = record[key]
    if (value !== undefined && value !== null) return [key, value]
  }
  return [keys.join('/'), undefined]
}

/**
 * `ExtendedConfig.CustomData` as an object (KMS returns it as an object or as JSON text), or
 * `undefined`. The official JDBC client reads the connection fields from here when the value has
 * none.
 */
function customDataOf(
  extendedConfig: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  let data: unknown = extendedConfig?.CustomData
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data)
    } catch {
      return undefined // metadata, never the secret: a malformed one is ignored
    }
  }
  return data !== null && typeof data === 'object' && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined
}

/** {@link pick} in the value first, then in `CustomData` (whose key is reported with its path). */
function pickField(
  record: Record<string, unknown>,
  customData: Record<string, unknown> | undefined,
  keys: readonly string[],
): [string, unknown] {
  const found = pick(record, keys)
  if (found[1] !== undefined || customData === undefined) return found
  const [key, value] = pick(customData, keys)
  return value === undefined ? found : [`ExtendedConfig.CustomData.${key}`, value]
}

/**
 * Builds {@link DatabaseCredentials} from an already parsed secret value (see
 * {@link parseDatabaseCredentials}). Internal: the cache calls it once per version.
 */
export function databaseCredentialsFromJson(
  json: SecretJson,
  secretName: string,
  versionId: string,
  extendedConfig?: Readonly<Record<string, unknown>>,
): DatabaseCredentials {
  if (!json.ok) {
    throw fail(
      secretName,
      versionId,
      json.reason === 'binary' ? 'the value is binary' : 'the value is not JSON',
    )
  }
  const value = json.value
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail(secretName, versionId, 'the value is not a JSON object')
  }
  const record = value as Record<string, unknown>
  const [userKey, username] = pick(record, ['AccountName', 'username'])
  if (typeof username !== 'string' || username.length === 0) {
    throw fail(secretName, versionId, `missing or empty string field ${userKey}`)
  }
  const [passwordKey, password] = pick(record, ['AccountPassword', 'password'])
  if (typeof password !== 'string') {
    throw fail(secretName, versionId, `missing string field ${passwordKey}`)
  }
  const fields: DatabaseCredentials = { username, password, versionId, secretName }
  const customData = customDataOf(extendedConfig)
  const [hostKey, host] = pickField(record, customData, ['Endpoint', 'host'])
  if (host !== undefined) {
    if (typeof host !== 'string' || host.length === 0) {
      throw fail(secretName, versionId, `field ${hostKey} is not a non-empty string`)
    }
    fields.host = host
  }
  const [portKey, rawPort] = pickField(record, customData, ['Port', 'port'])
  if (rawPort !== undefined) {
    const port =
      typeof rawPort === 'number'
        ? rawPort
        : typeof rawPort === 'string' && /^\d{1,5}$/.test(rawPort)
          ? Number(rawPort)
          : Number.NaN
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw fail(secretName, versionId, `field ${portKey} is not a port number (1-65535)`)
    }
    fields.port = port
  }
  const [databaseKey, database] = pickField(record, customData, ['DBName', 'database', 'dbname'])
  if (database !== undefined) {
    if (typeof database !== 'string' || database.length === 0) {
      throw fail(secretName, versionId, `field ${databaseKey} is not a non-empty string`)
    }
    fields.database = database
  }
  return new MaskedDatabaseCredentials(fields)
}

/**
 * Reads database credentials from a secret version: `{"AccountName","AccountPassword"}` (Rds,
 * PolarDB, Redis secrets) or generic JSON with `username`/`password`, plus optional
 * `Endpoint`/`host`, `Port`/`port` (number or numeric string) and `DBName`/`database`/`dbname` —
 * taken from the value, or else (like the official JDBC client) from `ExtendedConfig.CustomData`.
 * A field in the value wins over the same field in `CustomData`.
 *
 * The result is frozen; its password is masked by `util.inspect`, `JSON.stringify` and `String()`.
 * `SecretCacheClient.getDatabaseCredentials` memoizes this per version; call this function
 * directly only for a {@link SecretInfo} you hold yourself.
 *
 * @throws {@link SecretClientError} `INVALID_SECRET_VALUE` naming the missing or bad field; the
 *   message never quotes the value.
 */
export function parseDatabaseCredentials(info: SecretInfo): DatabaseCredentials {
  return databaseCredentialsFromJson(
    parseSecretJson(info),
    info.secretName,
    info.versionId,
    info.extendedConfig,
  )
}
