import { defaultSecretClient } from '../default-secret-client.js'
import { SecretClientError } from '../errors.js'
import type { DatabaseCredentials, VersionStage } from '../types.js'
import type { DatabaseSecretSource } from './rotation-attempt.js'
import { type RotationRetryOptions, resolveRotationRetry } from './rotation-retry.js'

/** Which connection fields the caller gave; the secret's values never override them. */
export interface GivenLocation {
  readonly host: boolean
  readonly port: boolean
  readonly database: boolean
}

/** What a driver tells {@link resolveDriverOptions} about its options. */
export interface DriverOptionsSpec {
  /**
   * The driver's package name (`mysql2`, `pg`, …), for the `driver` attribute of the kit's
   * metrics.
   * @default 'unknown'
   */
  driver?: string
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
   * The option holding a connection URL (`uri`, `connectionString`), if the driver has one, and
   * how the driver reads it (by default a WHATWG `URL`: userinfo, host, port, path as database,
   * query parameters as options). It must set none of `credentialKeys`, and the host, port and
   * database it sets count as given.
   */
  url?: { key: string; parse?(value: string): Readonly<Record<string, unknown>> }
  /** Driver-specific ways of giving a location, e.g. `socketPath`, `PGHOST`. */
  givenLocation?(options: Readonly<Record<string, unknown>>): Partial<GivenLocation>
}

/** The secret half of a driver's options, checked once and frozen. */
export interface DriverSecret {
  /** The driver's package name, from the spec (`'unknown'` when it names none). */
  readonly driver: string
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

/** A URL as most drivers read it: userinfo, host, port, path as database, query parameters. */
function parseWhatwgUrl(value: string): Record<string, unknown> {
  const url = new URL(value)
  const fields: Record<string, unknown> = Object.fromEntries(url.searchParams)
  if (url.username !== '') fields.user = url.username
  if (url.password !== '') fields.password = url.password
  if (url.hostname !== '') fields.host = url.hostname
  if (url.port !== '') fields.port = url.port
  if (url.pathname.length > 1) fields.database = url.pathname.slice(1)
  return fields
}

function readUrl(
  spec: NonNullable<DriverOptionsSpec['url']>,
  value: unknown,
  credentialKeys: readonly string[],
): Readonly<Record<string, unknown>> {
  const { key } = spec
  if (typeof value !== 'string') throw invalid(`${key} must be a string`)
  let fields: Readonly<Record<string, unknown>>
  try {
    fields = (spec.parse ?? parseWhatwgUrl)(value)
  } catch {
    // Not the parser's message: it would quote the value.
    throw invalid(`${key} is not a valid connection URL`)
  }
  // Parsers report an absent user or password as '' (mysql2's, pg's): an empty query parameter
  // (`?password=`) is a value all the same, so parameters are checked by name too.
  let params: URLSearchParams | undefined
  try {
    params = new URL(value).searchParams
  } catch {
    params = undefined
  }
  for (const name of credentialKeys) {
    const given = fields[name]
    if ((given !== undefined && given !== null && given !== '') || params?.has(name)) {
      throw invalid(`${key} cannot carry "${name}": the secret provides the credentials`)
    }
  }
  return fields
}

/** `spec.credentialKeys` as a set, made once per spec (drivers keep one spec per kind). */
const credentialKeySets = new WeakMap<DriverOptionsSpec, ReadonlySet<string>>()

function credentialKeySet(spec: DriverOptionsSpec): ReadonlySet<string> {
  let keys = credentialKeySets.get(spec)
  if (keys === undefined) {
    keys = new Set(spec.credentialKeys)
    credentialKeySets.set(spec, keys)
  }
  return keys
}

/** What a driver without a connection URL option reads from one. */
const NO_URL: Readonly<Record<string, unknown>> = Object.freeze({})

const present = (value: unknown): boolean =>
  value !== undefined && value !== null && value !== '' && !Number.isNaN(value)

/**
 * Checks the secret options of a driver's options and splits them off: one rule set and one set of
 * messages for every driver package.
 *
 * - `options` must be an object (a URL string cannot name a secret);
 * - `secretName` a string that is not blank (kept as given, not trimmed);
 * - credentials must not be given twice: no `spec.credentialKeys` option, none of them in the
 *   `spec.url` connection URL either (userinfo or parameter); ambient fallbacks of a driver (environment variables, driver defaults)
 *   never apply, the secret always supplies both;
 * - `secretClient` has `getDatabaseCredentials()` and `refreshNow()`; `versionStage` is a
 *   non-empty string; `rotationRetry` passes `resolveRotationRetry`; `recycleIdleOnRotation` is a
 *   boolean, for pools only.
 *
 * Returns the driver's options without the secret keys (a shallow copy of the own enumerable keys,
 * a new one on each call: the driver may complete it in place) and the frozen secret half. An
 * options object resolved before and unchanged since (same keys, same values, same
 * `rotationRetry` fields) is not validated again.
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
  const last = resolutions.get(record)
  if (last !== undefined && last.spec === spec && unchanged(record, last)) {
    // The driver completes its copy in place (tedious): each call gets its own.
    return { driverOptions: { ...last.driverOptions } as T, secret: last.secret }
  }
  const resolution = resolveAfresh(record, spec)
  // Options with symbol keys (a pool's binding to its clients) are made per connection.
  if (resolution.symbols === 0) resolutions.set(record, resolution)
  return { driverOptions: { ...resolution.driverOptions } as T, secret: resolution.secret }
}

/**
 * The last resolution of an options object, with what it was made from. A connection opened
 * again and again from one options object (`createConnection(config)` per request, a pool's
 * factory, tedious's `new Connection(config)`) is resolved once: on a warm connect, where the
 * server answers in a few hundred microseconds, validating and copying the options afresh each
 * time measured as 1–2 % of the connect. Any change to the object — a key added, removed or
 * given another value, or a field of its `rotationRetry` changed — resolves it again.
 */
interface Resolution {
  readonly spec: DriverOptionsSpec
  readonly keys: readonly string[]
  readonly values: readonly unknown[]
  readonly symbols: number
  /** `rotationRetry`'s fields as read (it is the one nested option the secret half reads). */
  readonly retryFields: readonly unknown[] | undefined
  readonly driverOptions: Readonly<Record<string | symbol, unknown>>
  readonly secret: DriverSecret
}

const resolutions = new WeakMap<object, Resolution>()

const RETRY_KEYS = ['maxAttempts', 'maxTimeMs', 'baseDelayMs', 'maxDelayMs'] as const

function retryFields(retry: unknown): unknown[] | undefined {
  if (retry === null || typeof retry !== 'object') return undefined
  return RETRY_KEYS.map((key) => (retry as Record<string, unknown>)[key])
}

/** Whether `record` still has the keys and values `last` was resolved from. */
function unchanged(record: Record<string, unknown>, last: Resolution): boolean {
  const keys = Object.keys(record)
  const { keys: lastKeys, values } = last
  if (keys.length !== lastKeys.length) return false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (key !== lastKeys[i] || record[key] !== values[i]) return false
  }
  if (Object.getOwnPropertySymbols(record).length !== 0) return false
  const fields = last.retryFields
  if (fields !== undefined) {
    const retry = record.rotationRetry as Record<string, unknown>
    for (let i = 0; i < RETRY_KEYS.length; i++) {
      if (retry[RETRY_KEYS[i] as string] !== fields[i]) return false
    }
  }
  return true
}

/** {@link resolveDriverOptions} without the memo. */
function resolveAfresh(record: Record<string, unknown>, spec: DriverOptionsSpec): Resolution {
  // One pass over the keys given: the secret keys are picked out, the others copied for the
  // driver (a copy, not a delete from one: deleting keys turns the object a driver reads dozens of
  // options from into a slow dictionary), credential keys refused. This runs on every connect,
  // where absent-key lookups cost more than the keys present, so only those are visited.
  const credentialKeys = credentialKeySet(spec)
  const urlKey = spec.url?.key
  const driverOptions: Record<string | symbol, unknown> = {}
  let secretName: unknown
  let secretClient: unknown
  let versionStage: unknown
  let rotationRetry: unknown
  let recycleIdleOnRotation: unknown
  let urlValue: unknown
  let credentialKey: string | undefined
  const given = { host: false, port: false, database: false }
  const keys = Object.keys(record)
  const values: unknown[] = new Array(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const value = record[key]
    values[i] = value
    switch (key) {
      case 'secretName':
        secretName = value
        continue
      case 'secretClient':
        secretClient = value
        continue
      case 'versionStage':
        versionStage = value
        continue
      case 'rotationRetry':
        rotationRetry = value
        continue
      case 'recycleIdleOnRotation':
        recycleIdleOnRotation = value
        continue
      case 'host':
      case 'port':
      case 'database':
        if (value !== undefined) given[key] = true
        break
      default:
        if (key === urlKey) urlValue = value
        else if (value !== undefined && credentialKey === undefined && credentialKeys.has(key)) {
          credentialKey = key
        }
    }
    driverOptions[key] = value
  }
  const symbols = Object.getOwnPropertySymbols(record)
  for (const key of symbols) {
    if (Object.prototype.propertyIsEnumerable.call(record, key)) {
      driverOptions[key] = (record as Record<symbol, unknown>)[key]
    }
  }
  if (typeof secretName !== 'string' || secretName.trim() === '') {
    throw invalid('secretName must be a non-empty string')
  }
  if (credentialKey !== undefined) throw credentialsConflict(credentialKey)
  const url =
    spec.url !== undefined && urlValue !== undefined
      ? readUrl(spec.url, urlValue, spec.credentialKeys)
      : NO_URL
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
  const extra = spec.givenLocation?.(record)
  const source = secretClient as DatabaseSecretSource | undefined
  const secret: DriverSecret = Object.freeze({
    driver: spec.driver ?? 'unknown',
    secretName,
    versionStage: (versionStage as VersionStage | undefined) ?? 'ACSCurrent',
    rotationRetry: budget,
    recycleIdleOnRotation: spec.kind === 'pool' && recycleIdleOnRotation !== false,
    given: Object.freeze({
      host: given.host || present(url.host) || extra?.host === true,
      port: given.port || present(url.port) || extra?.port === true,
      database: given.database || present(url.database) || extra?.database === true,
    }),
    source: source === undefined ? defaultSecretClient : () => source,
  })
  return {
    spec,
    keys,
    values,
    symbols: symbols.length,
    retryFields: retryFields(rotationRetry),
    driverOptions,
    secret,
  }
}

/**
 * The fields `credentials` set on a driver's config: always `user` and `password`; `host`, `port`
 * and `database` only when the caller gave none and the secret holds one.
 */
export function credentialFields(
  credentials: DatabaseCredentials,
  given: GivenLocation,
): CredentialFields {
  return withCredentials({}, credentials, given)
}

/**
 * A copy of a driver's options with `credentials` written in as {@link credentialFields} gives
 * them (`user`, `password`, and a location not given). Drivers that take `user`/`password`
 * options call it on each connect: a shallow copy with the fields set on it, which measured
 * several microseconds less per connect than spreading the fields over the options.
 */
export function withCredentials<T extends object>(
  driverOptions: T,
  credentials: DatabaseCredentials,
  given: GivenLocation,
): T & CredentialFields {
  const options = { ...driverOptions } as T & CredentialFields
  options.user = credentials.username
  options.password = credentials.password
  if (!given.host && credentials.host !== undefined) options.host = credentials.host
  if (!given.port && credentials.port !== undefined) options.port = credentials.port
  if (!given.database && credentials.database !== undefined) options.database = credentials.database
  return options
}
