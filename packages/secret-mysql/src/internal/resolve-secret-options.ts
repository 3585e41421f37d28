import type {
  DatabaseCredentials,
  DatabaseSecretSource,
  RotationRetryOptions,
  VersionStage,
} from '@org/secret-client'
import { defaultSecretClient } from '@org/secret-client'
import { SecretMysqlError } from '../secret-mysql-error.js'
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

function invalid(message: string): SecretMysqlError {
  return new SecretMysqlError('INVALID_OPTIONS', message)
}

/**
 * Splits mysql2 options from {@link SecretOptions} and validates the latter. The returned driver
 * options are a copy without the secret keys (mysql2 warns about unknown keys).
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
  if (
    rotationRetry !== undefined &&
    (typeof rotationRetry !== 'object' || rotationRetry === null)
  ) {
    throw invalid('rotationRetry must be an object')
  }
  if (recycleIdleOnRotation !== undefined && typeof recycleIdleOnRotation !== 'boolean') {
    throw invalid('recycleIdleOnRotation must be a boolean')
  }
  const driverOptions: Record<string, unknown> = { ...record }
  for (const key of SECRET_OPTION_KEYS) delete driverOptions[key]
  const secret: ResolvedSecretOptions = Object.freeze({
    secretName,
    source: () => secretClient ?? defaultSecretClient(),
    versionStage,
    rotationRetry: rotationRetry === undefined ? undefined : Object.freeze({ ...rotationRetry }),
    recycleIdleOnRotation: recycleIdleOnRotation ?? true,
    given: Object.freeze({
      host: record.host !== undefined || record.socketPath !== undefined,
      port: record.port !== undefined || record.socketPath !== undefined,
      database: record.database !== undefined,
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
