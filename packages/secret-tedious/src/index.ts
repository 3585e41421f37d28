/**
 * `@org/secret-tedious`: tedious (SQL Server) whose `Connection` reads its SQL login from a KMS
 * secret and gets through password rotation. Swap `import { Connection } from 'tedious'` for
 * `import { Connection } from '@org/secret-tedious'` and give `secretName` instead of
 * `authentication`; everything else is tedious's own API and types. node-mssql users: see
 * `@org/secret-tedious/mssql`.
 *
 * @packageDocumentation
 */

import * as secretTedious from './exports.js'

export * from './exports.js'

/** The default export, shaped like tedious's module object (a namespace, types too). */
export default secretTedious
