import type { SecretDriverOptions, SecretPoolDriverOptions } from '@org/secret-client/driver'
import type { ConnectionConfig, PoolConfig } from 'mariadb'

/**
 * The options `@org/secret-mariadb` adds to the connector's (the driver kit's
 * `SecretDriverOptions`). `user` and `password` come from the secret; `host`, `port` and
 * `database` too when you do not give them (or a `socketPath`) and the secret holds them.
 */
export type SecretOptions = SecretDriverOptions

/** {@link SecretOptions} of a pool: with `recycleIdleOnRotation`. */
export type SecretPoolSecretOptions = SecretPoolDriverOptions

/**
 * Options of `createConnection`: the connector's `ConnectionConfig` without `user` and
 * `password`, plus {@link SecretOptions}.
 */
export type SecretConnectionConfig = Omit<ConnectionConfig, 'user' | 'password'> & SecretOptions

/**
 * Options of `createPool`: the connector's `PoolConfig` without `user` and `password`, plus
 * {@link SecretPoolSecretOptions}.
 */
export type SecretPoolConfig = Omit<PoolConfig, 'user' | 'password'> & SecretPoolSecretOptions
