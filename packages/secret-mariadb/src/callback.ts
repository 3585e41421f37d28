/**
 * `@org/secret-mariadb/callback`: the connector's callback API (`mariadb/callback`) reading its
 * credentials from a KMS secret. Swap `import mariadb from 'mariadb/callback'` for
 * `import mariadb from '@org/secret-mariadb/callback'` and give `secretName` instead of
 * `user`/`password`.
 *
 * @packageDocumentation
 */

import * as secretMariadbCallback from './callback-exports.js'

export * from './callback-exports.js'

/** The default export, shaped like the connector's callback module (a namespace, types too). */
export default secretMariadbCallback
