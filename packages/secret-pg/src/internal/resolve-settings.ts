import {
  type DatabaseSecretSource,
  defaultSecretClient,
  type RotationRetryOptions,
  resolveRotationRetry,
  SecretClientError,
  type VersionStage,
} from '@org/secret-client'

/** The secret-related options of a Client or Pool, checked once and frozen. */
export interface SecretSettings {
  readonly secretName: string
  readonly versionStage: VersionStage
  readonly rotationRetry: RotationRetryOptions | undefined
  /** Where host/port/database were given by the user (the secret's then are ignored). */
  readonly given: { readonly host: boolean; readonly port: boolean; readonly database: boolean }
  /** The credential source; the default one is created on first call. */
  source(): DatabaseSecretSource
}

function invalid(message: string): SecretClientError {
  return new SecretClientError('INVALID_CONFIG', message)
}

/** Keys that the secret owns: a value here would be ambiguous, so it is refused. */
const OWNED_BY_SECRET = ['user', 'password'] as const

/**
 * Checks the options `@org/secret-pg` adds to pg's and freezes them.
 * @throws {@link SecretClientError} `INVALID_CONFIG` naming the bad option (never its value).
 */
export function resolveSettings(config: unknown, extraForbidden: readonly string[] = []) {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw invalid('options must be an object with a secretName (a connection string is not enough)')
  }
  const options = config as Record<string, unknown>
  const { secretName, secretClient, versionStage, rotationRetry } = options
  if (typeof secretName !== 'string' || secretName.trim() === '') {
    throw invalid('secretName must be a non-empty string')
  }
  for (const key of [...OWNED_BY_SECRET, ...extraForbidden]) {
    if (options[key] !== undefined) {
      throw invalid(`option "${key}" is not allowed: the secret "${secretName}" provides it`)
    }
  }
  if (
    secretClient !== undefined &&
    (secretClient === null ||
      typeof (secretClient as DatabaseSecretSource).getDatabaseCredentials !== 'function' ||
      typeof (secretClient as DatabaseSecretSource).refreshNow !== 'function')
  ) {
    throw invalid('secretClient must have getDatabaseCredentials() and refreshNow()')
  }
  if (versionStage !== undefined && (typeof versionStage !== 'string' || versionStage === '')) {
    throw invalid('versionStage must be a non-empty string')
  }
  // A connection string says where to connect, so the secret's location does not override it.
  const viaUrl = typeof options.connectionString === 'string' && options.connectionString !== ''
  const settings: SecretSettings = {
    secretName,
    versionStage: (versionStage as VersionStage | undefined) ?? 'ACSCurrent',
    // Checked now with connectWithSecret's own rule, so a bad budget fails where it is written.
    rotationRetry:
      rotationRetry === undefined
        ? undefined
        : resolveRotationRetry(rotationRetry, 'rotationRetry'),
    given: Object.freeze({
      host: viaUrl || options.host !== undefined,
      port: viaUrl || options.port !== undefined,
      database: viaUrl || options.database !== undefined,
    }),
    source:
      secretClient === undefined ? defaultSecretClient : () => secretClient as DatabaseSecretSource,
  }
  return Object.freeze(settings)
}
