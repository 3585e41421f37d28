/**
 * `@org/secret-mysql/promise`: `mysql2/promise` with credentials from a KMS secret. Swap
 * `import mysql from 'mysql2/promise'` for `import mysql from '@org/secret-mysql/promise'`.
 *
 * @packageDocumentation
 */

import * as secretMysqlPromise from './promise-exports.js'

export * from './promise-exports.js'

/**
 * The default export, shaped like `mysql2/promise`'s module object (a namespace, so its types
 * work through it too).
 */
export default secretMysqlPromise
