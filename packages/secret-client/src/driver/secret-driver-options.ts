import type { VersionStage } from '../types.js'
import type { DatabaseSecretSource } from './rotation-attempt.js'
import type { RotationRetryOptions } from './rotation-retry.js'

/**
 * The options every driver package adds to its driver's own: the secret replaces `user` and
 * `password` (and supplies `host`, `port` and `database` when they are not given and the secret
 * holds them). One model, one validation ({@link resolveDriverOptions}) for every driver.
 */
export interface SecretDriverOptions {
  /**
   * Name of the KMS database secret: an Rds secret (`AccountName`/`AccountPassword`) or generic
   * JSON with `username`/`password`.
   */
  secretName: string
  /**
   * Where credentials come from: a `SecretCacheClient` (or anything with its
   * `getDatabaseCredentials`/`refreshNow`). Share one per process.
   * @default a process-wide `SecretCacheClient.fromEnv()`, created on first use
   */
  secretClient?: DatabaseSecretSource
  /**
   * Secret version stage to read.
   * @default 'ACSCurrent'
   */
  versionStage?: VersionStage
  /**
   * Budget for logging in through a rotation: `maxTimeMs` is a deadline from the start of the
   * connect, `maxAttempts` an optional cap, then backoff bounds. Checked when the options are
   * given (`SecretClientError` `INVALID_CONFIG`).
   * @default `{ maxAttempts: Infinity, maxTimeMs: 30000, baseDelayMs: 100, maxDelayMs: 2000 }`
   */
  rotationRetry?: RotationRetryOptions
}

/** {@link SecretDriverOptions} of a pool. */
export interface SecretPoolDriverOptions extends SecretDriverOptions {
  /**
   * When the secret's current version changes (a new connection meets it, or the secret client's
   * `refresh` event announces it), close the idle connections opened with older credentials, and
   * close busy ones when they are released (they finish their work untouched).
   * @default true
   */
  recycleIdleOnRotation?: boolean
}

/** The keys of {@link SecretPoolDriverOptions}, stripped before options reach a driver. */
export const SECRET_DRIVER_OPTION_KEYS: readonly string[] = Object.freeze([
  'secretName',
  'secretClient',
  'versionStage',
  'rotationRetry',
  'recycleIdleOnRotation',
])
