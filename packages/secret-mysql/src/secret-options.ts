import type { DatabaseSecretSource, RotationRetryOptions, VersionStage } from '@org/secret-client'

/**
 * The options `@org/secret-mysql` adds to mysql2's. `user` and `password` come from the secret;
 * `host`, `port` and `database` too when you do not give them and the secret holds them
 * (`Endpoint`/`Port`/`DBName`).
 */
export interface SecretOptions {
  /** Name of the KMS secret holding the database account (Rds secret or JSON with username/password). */
  secretName: string
  /**
   * Where credentials come from: a `SecretCacheClient` (or anything with its
   * `getDatabaseCredentials`/`refreshNow`).
   * @default a process-wide `SecretCacheClient.fromEnv()`, created on first use
   */
  secretClient?: DatabaseSecretSource
  /**
   * Secret version stage to read.
   * @default 'ACSCurrent'
   */
  versionStage?: VersionStage
  /**
   * Budget for connecting through a rotation: `maxTimeMs` is a deadline from the start of the
   * connect, `maxAttempts` an optional cap, then backoff bounds. Checked when the options are
   * given (`SecretClientError` `INVALID_CONFIG`).
   * @default `{ maxAttempts: Infinity, maxTimeMs: 30000, baseDelayMs: 100, maxDelayMs: 2000 }`
   */
  rotationRetry?: RotationRetryOptions
  /**
   * Pools only: when new credentials are seen, close the idle connections opened with older
   * ones (busy ones finish their work untouched and are closed when released).
   * @default true
   */
  recycleIdleOnRotation?: boolean
}

/** The keys of {@link SecretOptions}, stripped before options reach mysql2. */
export const SECRET_OPTION_KEYS = [
  'secretName',
  'secretClient',
  'versionStage',
  'rotationRetry',
  'recycleIdleOnRotation',
] as const
