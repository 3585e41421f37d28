import type { SecretDriverOptions, SecretPoolDriverOptions } from '@org/secret-client/driver'

/**
 * The options `@org/secret-mysql` adds to mysql2's (the driver kit's `SecretDriverOptions`).
 * `user` and `password` come from the secret; `host`, `port` and `database` too when you do not
 * give them (as options, in `uri`, or a `socketPath`) and the secret holds them.
 */
export type SecretOptions = SecretDriverOptions

/** {@link SecretOptions} of a pool or a cluster node: with `recycleIdleOnRotation`. */
export type SecretPoolSecretOptions = SecretPoolDriverOptions
