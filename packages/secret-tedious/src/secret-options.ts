import type { SecretDriverOptions } from '@org/secret-client/driver'
import type { ConnectionConfiguration } from 'tedious'

/**
 * The options `@org/secret-tedious` adds to tedious's configuration (the driver kit's
 * `SecretDriverOptions`): the login's user name and password come from the secret; `port` and
 * `database` too when `options` gives none and the secret holds them.
 */
export type SecretOptions = SecretDriverOptions

/**
 * The configuration of a {@link Connection}: tedious's `ConnectionConfiguration` without
 * `authentication` (the secret's SQL login is the authentication), plus {@link SecretOptions} at
 * the top level: `{ server, secretName, options: { database, … } }`.
 */
export type SecretConnectionConfig = Omit<ConnectionConfiguration, 'authentication'> & SecretOptions
