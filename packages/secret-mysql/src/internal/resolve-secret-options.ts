import type {
  DatabaseCredentials,
  DatabaseSecretSource,
  RotationRetryOptions,
  VersionStage,
} from '@org/secret-client'
import { defaultSecretClient, resolveRotationRetry, SecretClientError } from '@org/secret-client'
import { SECRET_OPTION_KEYS, type SecretOptions } from '../secret-options.js'

/** The secret half of an option set, validated once and frozen. */
export interface ResolvedSecretOptions {
  readonly secretName: string
  /** The client, resolved on first use (the default one is created lazily). */
  source(): DatabaseSecretSource
  readonly versionStage: VersionStage | undefined
  readonly rotationRetry: RotationRetryOptions | undefined
  readonly recycleIdleOnRotation: boolean
  /** Connection fields the caller set, which the secret's own values must not override. */
  readonly given: Readonly<{ host: boolean; port: boolean; database: boolean }>
}

/** The mutable fields of a mysql2 `ConnectionConfig` the credentials go into. */
export interface CredentialFields {
  user?: string | undefined
  password?: string | undefined
  host?: string | undefined
  port?: number | undefined
  database?: string | undefined
}

/** Messages name the option, never its value (a `uri` may carry a password). */
function invalid(message: string): SecretClientError {
  return new SecretClientError('INVALID_CONFIG', message)
}

/** Which connection fields a mysql2 `uri` sets (mysql2 lets them fill only unset options). */
function fieldsOfUri(uri: unknown): { host: boolean; port: boolean; database: boolean } {
  if (uri === undefined) return { host: false, port: false, database: false }
  if (typeof uri !== 'string') throw invalid('uri must be a string')
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw invalid('uri is not a valid URL')
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid('uri cannot carry a user or password: the credentials come from the secret')
  }
  return {
    host: url.hostname !== '',
    port: url.port !== '',
    database: url.pathname.length > 1,
  }
}

/**
 * Splits mysql2 options from {@link SecretOptions} and validates the latter. The returned driver
 * options are a copy without the secret keys (mysql2 warns about unknown keys).
 * @throws {@link SecretClientError} `INVALID_CONFIG` naming the first bad option.
 */
export function resolveSecretOptions<T extends object>(
  options: (T & SecretOptions) | undefined,
): { driverOptions: T; secret: ResolvedSecretOptions } {
  if (options === null || typeof options !== 'object') {
    throw invalid(
      'options must be an object with a secretName (a connection URI cannot name a secret)',
    )
  }
  const { secretName, secretClient, versionStage, rotationRetry, recycleIdleOnRotation } = options
  if (typeof secretName !== 'string' || secretName.length === 0) {
    throw invalid('secretName must be a non-empty string')
  }
  const record = options as Record<string, unknown>
  for (const key of ['user', 'password', 'password1', 'passwordSha1']) {
    if (record[key] !== undefined) {
      throw invalid(
        `"${key}" cannot be combined with secretName: the credentials come from the secret`,
      )
    }
  }
  if (
    secretClient !== undefined &&
    (typeof secretClient !== 'object' ||
      secretClient === null ||
      typeof secretClient.getDatabaseCredentials !== 'function' ||
      typeof secretClient.refreshNow !== 'function')
  ) {
    throw invalid('secretClient must have getDatabaseCredentials() and refreshNow()')
  }
  if (
    versionStage !== undefined &&
    (typeof versionStage !== 'string' || versionStage.length === 0)
  ) {
    throw invalid('versionStage must be a non-empty string')
  }
  // Checked now with connectWithSecret's own rule, so a bad budget fails where it is written.
  const budget =
    rotationRetry === undefined ? undefined : resolveRotationRetry(rotationRetry, 'rotationRetry')
  const fromUri = fieldsOfUri(record.uri)
  if (recycleIdleOnRotation !== undefined && typeof recycleIdleOnRotation !== 'boolean') {
    throw invalid('recycleIdleOnRotation must be a boolean')
  }
  const driverOptions: Record<string, unknown> = { ...record }
  for (const key of SECRET_OPTION_KEYS) delete driverOptions[key]
  const secret: ResolvedSecretOptions = Object.freeze({
    secretName,
    source: () => secretClient ?? defaultSecretClient(),
    versionStage,
    rotationRetry: budget,
    recycleIdleOnRotation: recycleIdleOnRotation ?? true,
    given: Object.freeze({
      host: record.host !== undefined || record.socketPath !== undefined || fromUri.host,
      port: record.port !== undefined || record.socketPath !== undefined || fromUri.port,
      database: record.database !== undefined || fromUri.database,
    }),
  })
  return { driverOptions: driverOptions as T, secret }
}

/** Writes credentials into a mysql2 config; host/port/database only where the caller gave none. */
export function applyCredentials(
  target: CredentialFields,
  credentials: DatabaseCredentials,
  given: ResolvedSecretOptions['given'],
): void {
  target.user = credentials.username
  target.password = credentials.password
  if (!given.host && credentials.host !== undefined) target.host = credentials.host
  if (!given.port && credentials.port !== undefined) target.port = credentials.port
  if (!given.database && credentials.database !== undefined) target.database = credentials.database
}
