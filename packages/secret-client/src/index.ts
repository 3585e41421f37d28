export { parseDatabaseCredentials } from './database-credentials.js'
export { closeDefaultSecretClient, defaultSecretClient } from './default-secret-client.js'
export type {
  SecretClientErrorCode,
  SecretClientErrorOptions,
} from './errors.js'
export { isSecretClientError, SecretClientError } from './errors.js'
export type {
  EvictEvent,
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
export { AuthRetryExhaustedError } from './reconnect/auth-retry-exhausted-error.js'
export type {
  AuthFailureInfo,
  ConnectedWithSecret,
  ConnectWithSecretOptions,
  DatabaseSecretSource,
  RotationRetryOptions,
} from './reconnect/connect-with-secret.js'
export { connectWithSecret, resolveRotationRetry } from './reconnect/connect-with-secret.js'
export { SecretCacheClient } from './secret-cache-client.js'
export { SecretInfo } from './secret-info.js'
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
