import type { SecretPoolDriverOptions } from '@org/secret-client/driver'
import type { config } from 'mssql'

/**
 * The configuration of `@org/secret-tedious/mssql`'s `ConnectionPool`: node-mssql's `config`
 * without `user`, `password`, `domain` and `authentication` (the secret's SQL login is the
 * authentication), plus the kit's secret options (`secretName`, `secretClient`, `versionStage`,
 * `rotationRetry`, `recycleIdleOnRotation`).
 */
export type SecretMssqlConfig = Omit<config, 'user' | 'password' | 'domain' | 'authentication'> &
  SecretPoolDriverOptions
