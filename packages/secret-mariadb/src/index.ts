/**
 * `@org/secret-mariadb`: the MariaDB connector (`mariadb` 3.x, promise API) reading its
 * credentials from a KMS secret and getting through password rotation. Swap
 * `import mariadb from 'mariadb'` for `import mariadb from '@org/secret-mariadb'` and give
 * `secretName` instead of `user`/`password`; everything else is the connector's own API and types.
 *
 * @packageDocumentation
 */

import * as secretMariadb from './exports.js'

export * from './exports.js'

/**
 * The default export, shaped like the connector's: `createConnection` and `createPool` are this
 * package's, the rest is the connector's own; a namespace, so the connector's types work through
 * it too (`mariadb.PoolConnection`).
 */
export default secretMariadb
