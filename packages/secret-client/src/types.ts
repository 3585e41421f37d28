/**
 * Public extension-point types of `@org/secret-client`.
 *
 * @packageDocumentation
 */

/** Version stage labels that KMS attaches to secret versions. Any other string is a custom stage. */
export type VersionStage = 'ACSCurrent' | 'ACSPrevious' | (string & {})

/** How the secret value is encoded: `text` as is, `binary` as base64. */
export type SecretDataType = 'text' | 'binary'

/**
 * One secret version as a {@link SecretFetcher} returns it: a plain object, every field as KMS
 * names it in camelCase. Only `secretName`, `versionId` and `secretValue` are required; a fetcher
 * fills whatever else it knows.
 */
export interface SecretRecord {
  /** Name of the secret. */
  secretName: string
  /** Version id of the returned version. */
  versionId: string
  /** The value: text as is, binary as base64 (KMS `SecretData`). */
  secretValue: string
  /** @default 'text' */
  secretDataType?: SecretDataType
  /** Stages attached to this version, e.g. `['ACSCurrent']`. */
  versionStages?: readonly string[]
  /** `Generic`, `Rds`, `Redis`, `RAMCredentials`, `ECS`, `PolarDB`. */
  secretType?: string
  /** Creation time of the version (ISO 8601 string as KMS returns it). */
  createTime?: string
  /** `Enabled`, `Disabled` or `Invalid`. */
  automaticRotation?: string
  /** Rotation interval as KMS returns it, e.g. `604800s`. */
  rotationInterval?: string
  /** Next scheduled rotation (ISO 8601). */
  nextRotationDate?: string
  /** Last rotation (ISO 8601). */
  lastRotationDate?: string
  /** Extended configuration: the JSON string KMS returns, or an already parsed object. */
  extendedConfig?: string | Record<string, unknown>
  /** KMS request id of the call that produced this record, if any. */
  requestId?: string
}

/** What the cache asks a {@link SecretFetcher} for. */
export interface FetchSecretRequest {
  /** Name of the secret. */
  secretName: string
  /** Stage to read, e.g. `ACSCurrent`. */
  versionStage: VersionStage
  /** Aborts the request: the fetcher must reject promptly when it fires. */
  signal?: AbortSignal
}

/**
 * The extension point of the client: anything that can read one secret version.
 *
 * The default is the KMS fetcher ({@link createKmsFetcher}). A fetcher reports failures by
 * throwing; the client classifies the error by its `code` property: KMS error codes (with or
 * without the 1.x SDK's `Error` suffix, e.g. `Rejected.Throttling` or `Rejected.ThrottlingError`)
 * and Node network codes (`ECONNRESET`, `ETIMEDOUT`, …). A fetcher may also throw a
 * {@link SecretClientError} directly.
 */
export interface SecretFetcher {
  /** Reads one secret version. */
  fetchSecret(request: FetchSecretRequest): Promise<SecretRecord>
  /**
   * Releases sockets and timers; called by {@link SecretCacheClient.close} after every flight has
   * settled. Calls still running at that point must reject promptly.
   */
  close?(): void | Promise<void>
}

/** Credentials for a database, read from an Rds/PolarDB/Redis secret or a generic JSON secret. */
export interface DatabaseCredentials {
  /** Login name (`AccountName` or `username`). May change between versions (dual-account rotation). */
  username: string
  /** Password (`AccountPassword` or `password`). */
  password: string
  /** Host, when the secret carries one (`Endpoint`/`host`, in the value or its `ExtendedConfig.CustomData`). */
  host?: string
  /** Port, when the secret carries one (`Port`/`port`, in the value or its `ExtendedConfig.CustomData`). */
  port?: number
  /** Database name, when the secret carries one (`DBName`/`database`/`dbname`, likewise). */
  database?: string
  /** Version id of the secret version these credentials come from. */
  versionId: string
  /** Name of the secret. */
  secretName: string
}

/** Minimal structured logger; `console` fits. Messages never contain secret values. */
export interface Logger {
  debug?(message: string, context?: Record<string, unknown>): void
  info?(message: string, context?: Record<string, unknown>): void
  warn?(message: string, context?: Record<string, unknown>): void
  error?(message: string, context?: Record<string, unknown>): void
}

/** Per-call options of the read methods. */
export interface GetSecretOptions {
  /**
   * Stage to read.
   * @default the client's `versionStage` option (`ACSCurrent`)
   */
  versionStage?: VersionStage
  /** Aborts this call (the shared fetch goes on for other callers). */
  signal?: AbortSignal
}
