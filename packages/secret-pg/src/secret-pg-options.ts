import type { DatabaseSecretSource, RotationRetryOptions, VersionStage } from '@org/secret-client'
import type { ClientConfig, PoolConfig } from 'pg'

/**
 * What `@org/secret-pg` adds to pg's options. `user` and `password` come from the secret; `host`,
 * `port` and `database` come from the secret too when neither the option nor `connectionString`
 * gives them.
 */
export interface SecretPgOptions {
  /** Name of the KMS database secret (Rds `{"AccountName","AccountPassword"}` or generic JSON). */
  secretName: string
  /**
   * Where credentials come from; a `SecretCacheClient` fits. Share one per process.
   * @default a process-wide `SecretCacheClient.fromEnv()`, created on first use
   */
  secretClient?: DatabaseSecretSource
  /**
   * Version stage to read.
   * @default 'ACSCurrent'
   */
  versionStage?: VersionStage
  /**
   * Retry budget of one connection attempt through a rotation (see `connectWithSecret`).
   * @default { maxAttempts: Infinity, maxTimeMs: 30000, baseDelayMs: 100, maxDelayMs: 2000 }
   */
  rotationRetry?: RotationRetryOptions
}

/** Options of {@link Client}: pg's `ClientConfig` without `user`/`password`, plus {@link SecretPgOptions}. */
export type SecretClientConfig = Omit<ClientConfig, 'user' | 'password'> & SecretPgOptions

/** Options of {@link Pool}: pg's `PoolConfig` without `user`/`password`/`Client`, plus {@link SecretPgOptions}. */
export type SecretPoolConfig = Omit<PoolConfig, 'user' | 'password' | 'Client'> &
  SecretPgOptions & {
    /**
     * When the secret's current version changes (a new connection meets it, or the secret
     * client's `refresh` event announces it), close the idle connections of older versions, and
     * close busy ones when they are released (they finish their work untouched).
     * @default true
     */
    recycleIdleOnRotation?: boolean
  }
