import { defaultSecretClient } from '../default-secret-client.js'
import { SecretClientError } from '../errors.js'
import type { DatabaseCredentials, VersionStage } from '../types.js'
import type { DatabaseSecretSource } from './rotation-attempt.js'
import { type RotationRetryOptions, resolveRotationRetry } from './rotation-retry.js'
import { SECRET_DRIVER_OPTION_KEYS } from './secret-driver-options.js'

/** Which connection fields the caller gave; the secret's values never override them. */
export interface GivenLocation {
  readonly host: boolean
  readonly port: boolean
  readonly database: boolean
}

/** What a driver tells {@link resolveDriverOptions} about its options. */
export interface DriverOptionsSpec {
  /**
   * `'pool'` accepts `recycleIdleOnRotation`; `'connection'` rejects it (it would do nothing).
   */
  kind: 'connection' | 'pool'
  /**
   * Option keys that carry credentials (`user`, `password`, `password2`, …): giving one next to
   * `secretName` is `INVALID_CONFIG`, whatever its type (a password function too).
   */
  credentialKeys: readonly string[]
  /**
   * The option holding a connection URL (`uri`, `connectionString`), if the driver has one: it must
   * carry no user or password (neither as userinfo nor as a query parameter named by
   * `credentialKeys`), and the host, port and database it names count as given.
   */
  urlKey?: string
  /** Driver-specific ways of giving a location, e.g. `socketPath`, `PGHOST`. */
  givenLocation?(options: Readonly<Record<string, unknown>>): Partial<GivenLocation>
}

/** The secret half of a driver's options, checked once and frozen. */
export interface DriverSecret {
  readonly secretName: string
  readonly versionStage: VersionStage
  readonly rotationRetry: Readonly<Required<RotationRetryOptions>>
  /** Pools: retire connections of older versions (always `false` for single connections). */
  readonly recycleIdleOnRotation: boolean
  /** Connection fields the caller gave, which the secret's own values must not override. */
  readonly given: GivenLocation
  /** The credential source; the default client is created on first call. */
  source(): DatabaseSecretSource
}

/** The driver-side fields credentials set: `user` and `password`, and a location not given. */
export interface CredentialFields {
  user: string
  password: string
  host?: string
  port?: number
  database?: string
}

/** Messages name the option, never its value (a URL may carry a password). */
function invalid(message: string): SecretClientError {
  return new SecretClientError('INVALID_CONFIG', message)
}

function credentialsConflict(key: string): SecretClientError {
  return invalid(`"${key}" cannot be combined with secretName: the secret provides the credentials`)
}

function parseUrl(key: string, value: unknown, credentialKeys: readonly string[]): URL {
  if (typeof value !== 'string') throw invalid(`${key} must be a string`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    // Not the parser's message: it would quote the value.
    throw invalid(`${key} is not a valid URL`)
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(`${key} cannot carry a user or password: the secret provides the credentials`)
  }
  for (const name of credentialKeys) {
    if (url.searchParams.has(name)) {
      throw invalid(
        `${key} cannot carry a "${name}" parameter: the secret provides the credentials`,
      )
    }
  }
  return url
}

/**
 * Checks the secret options of a driver's options and splits them off: one rule set and one set of
 * messages for every driver package.
 *
 * - `options` must be an object (a URL string cannot name a secret);
 * - `secretName` a string that is not blank (kept as given, not trimmed);
 * - credentials must not be given twice: no `spec.credentialKeys` option, no user or password in
 *   the `spec.urlKey` URL; ambient fallbacks of a driver (environment variables, driver defaults)
 *   never apply, the secret always supplies both;
 * - `secretClient` has `getDatabaseCredentials()` and `refreshNow()`; `versionStage` is a
 *   non-empty string; `rotationRetry` passes `resolveRotationRetry`; `recycleIdleOnRotation` is a
 *   boolean, for pools only.
 *
 * Returns the driver's options without the secret keys (a shallow copy) and the frozen secret half.
 * @throws {@link SecretClientError} `INVALID_CONFIG` naming the first bad option, never its value.
 */
export function resolveDriverOptions<T extends object>(
  options: unknown,
  spec: DriverOptionsSpec,
): { driverOptions: T; secret: DriverSecret } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('options must be an object with a secretName (a URL cannot name a secret)')
  }
  const record = options as Record<string, unknown>
  const { secretName, secretClient, versionStage, rotationRetry, recycleIdleOnRotation } = record
  if (typeof secretName !== 'string' || secretName.trim() === '') {
    throw invalid('secretName must be a non-empty string')
  }
  for (const key of spec.credentialKeys) {
    if (record[key] !== undefined) throw credentialsConflict(key)
  }
  const url =
    spec.urlKey !== undefined && record[spec.urlKey] !== undefined
      ? parseUrl(spec.urlKey, record[spec.urlKey], spec.credentialKeys)
      : undefined
  if (
    secretClient !== undefined &&
    (secretClient === null ||
      typeof secretClient !== 'object' ||
      typeof (secretClient as DatabaseSecretSource).getDatabaseCredentials !== 'function' ||
      typeof (secretClient as DatabaseSecretSource).refreshNow !== 'function')
  ) {
    throw invalid('secretClient must have getDatabaseCredentials() and refreshNow()')
  }
  if (versionStage !== undefined && (typeof versionStage !== 'string' || versionStage === '')) {
    throw invalid('versionStage must be a non-empty string')
  }
  const budget = resolveRotationRetry(rotationRetry, 'rotationRetry')
  if (recycleIdleOnRotation !== undefined) {
    if (spec.kind !== 'pool') throw invalid('recycleIdleOnRotation applies to pools only')
    if (typeof recycleIdleOnRotation !== 'boolean') {
      throw invalid('recycleIdleOnRotation must be a boolean')
    }
  }
  const extra = spec.givenLocation?.(record) ?? {}
  const source = secretClient as DatabaseSecretSource | undefined
  const secret: DriverSecret = Object.freeze({
    secretName,
    versionStage: (versionStage as VersionStage | undefined) ?? 'ACSCurrent',
    rotationRetry: budget,
    recycleIdleOnRotation: spec.kind === 'pool' && recycleIdleOnRotation !== false,
    given: Object.freeze({
      host: record.host !== undefined || (url !== undefined && url.hostname !== '') || !!extra.host,
      port: record.port !== undefined || (url !== undefined && url.port !== '') || !!extra.port,
      database:
        record.database !== undefined ||
        (url !== undefined && url.pathname.length > 1) ||
        !!extra.database,
    }),
    source: source === undefined ? defaultSecretClient : () => source,
  })
  const driverOptions: Record<string, unknown> = { ...record }
  for (const key of SECRET_DRIVER_OPTION_KEYS) delete driverOptions[key]
  return { driverOptions: driverOptions as T, secret }
}

/**
 * The fields `credentials` set on a driver's config: always `user` and `password`; `host`, `port`
 * and `database` only when the caller gave none and the secret holds one.
 */
export function credentialFields(
  credentials: DatabaseCredentials,
  given: GivenLocation,
): CredentialFields {
  const fields: CredentialFields = { user: credentials.username, password: credentials.password }
  if (!given.host && credentials.host !== undefined) fields.host = credentials.host
  if (!given.port && credentials.port !== undefined) fields.port = credentials.port
  if (!given.database && credentials.database !== undefined) fields.database = credentials.database
  return fields
}
