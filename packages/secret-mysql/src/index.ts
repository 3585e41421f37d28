/**
 * `@org/secret-mysql`: mysql2 that reads its credentials from a KMS secret and gets through
 * password rotation. Swap `import mysql from 'mysql2'` for `import mysql from '@org/secret-mysql'`
 * and give `secretName` instead of `user`/`password`; everything else is mysql2's own API and types.
 *
 * @packageDocumentation
 */

import * as secretMysql from './exports.js'

export * from './exports.js'

/**
 * The default export, shaped like mysql2's module object: the factories (`createConnection`,
 * `connect`, `createPool`, `createPoolCluster` and their `…Promise` forms) are this package's,
 * the rest is mysql2's own; a namespace, so `mysql.RowDataPacket` and mysql2's other types work
 * through it too.
 */
export default secretMysql
