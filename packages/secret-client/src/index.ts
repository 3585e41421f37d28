export { parseDatabaseCredentials } from './database-credentials.js'
export { closeDefaultSecretClient, defaultSecretClient } from './default-secret-client.js'
export { AuthRetryExhaustedError } from './driver/auth-retry-exhausted-error.js'
// The rotation-aware connect is part of the driver kit (`@org/secret-client/driver`); the pieces a
// library author uses most are exported here too.
export type { AuthRetryExhausted } from './driver/auth-retry-exhausted-mark.js'
export type {
  ConnectedWithSecret,
  ConnectWithSecretOptions,
} from './driver/connect-with-secret.js'
export { connectWithSecret } from './driver/connect-with-secret.js'
export type { AuthFailureInfo, DatabaseSecretSource } from './driver/rotation-attempt.js'
export type { RotationRetryOptions } from './driver/rotation-retry.js'
export { resolveRotationRetry } from './driver/rotation-retry.js'
export type {
  SecretClientErrorCode,
  SecretClientErrorOptions,
} from './errors.js'
export { isSecretClientError, SecretClientError } from './errors.js'
export type {
  EvictEvent,
  PersistentCacheErrorEvent,
  RefreshErrorEvent,
  RefreshEvent,
  SecretCacheClientEvents,
  StaleEvent,
} from './events.js'
export type { EnvSource } from './from-env.js'
export { optionsFromEnv } from './from-env.js'
export type { KmsFetcherOptions } from './kms/create-kms-fetcher.js'
export { createKmsFetcher } from './kms/create-kms-fetcher.js'
export type { RegionRoutingOptions } from './kms/region-router.js'
export type {
  AccessKeyCredentials,
  CredentialProvider,
  RegionConfig,
  RetryOptions,
  SecretCacheClientOptions,
} from './options.js'
export type {
  PersistentCacheKey,
  PersistentCacheOptions,
  PersistentCacheProblem,
} from './persistent-cache.js'
export { SecretCacheClient } from './secret-cache-client.js'
export { SecretInfo } from './secret-info.js'
export type { Timers } from './timers.js'
export type {
  DatabaseCredentials,
  FetchSecretRequest,
  GetSecretOptions,
  Logger,
  SecretDataType,
  SecretFetcher,
  SecretRecord,
  VersionStage,
} from './types.js'
