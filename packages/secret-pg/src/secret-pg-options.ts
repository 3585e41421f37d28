import type { SecretDriverOptions, SecretPoolDriverOptions } from '@org/secret-client/driver'
import type { ClientConfig, PoolConfig } from 'pg'

/**
 * What `@org/secret-pg` adds to pg's options (the driver kit's `SecretDriverOptions`): `user` and
 * `password` come from the secret; `host`, `port` and `database` too when neither the options, the
 * `connectionString` nor `PGHOST`/`PGPORT`/`PGDATABASE` give them.
 */
export type SecretPgOptions = SecretDriverOptions

/**
 * Options of {@link Client}: pg's `ClientConfig` without `user`, `password` and `stream` (the
 * secret provides the credentials; the connection waits for them in a socket of its own), plus
 * {@link SecretPgOptions}.
 */
export type SecretClientConfig = Omit<ClientConfig, 'user' | 'password' | 'stream'> &
  SecretDriverOptions

/**
 * Options of {@link Pool}: pg's `PoolConfig` without `user`, `password`, `stream` and `Client`,
 * plus the kit's pool options (`recycleIdleOnRotation`).
 */
export type SecretPoolConfig = Omit<PoolConfig, 'user' | 'password' | 'stream' | 'Client'> &
  SecretPoolDriverOptions
