/**
 * `@org/secret-pg`: pg (node-postgres) that reads its credentials from a KMS secret and gets
 * through password rotation. Swap `import pg from 'pg'` for `import pg from '@org/secret-pg'` and
 * give `secretName` instead of `user`/`password`; everything else is pg's own API and types.
 *
 * @packageDocumentation
 */

import * as secretPg from './exports.js'

export * from './exports.js'

/**
 * The default export, shaped like pg's module object: `Client` and `Pool` are this package's,
 * the rest is pg's own; a namespace, so `pg.QueryResult` and the other types work through it too.
 */
export default secretPg
