/**
 * Code written the way tedious's documentation (and node-mssql's) writes it, with the import
 * swapped for `@org/secret-tedious` and `secretName` instead of `authentication`. Only
 * type-checked (`tsc -p tsconfig.json`), never run.
 */

import sql from 'mssql'
import tediousDefault, {
  Connection,
  type ConnectionConfiguration,
  Request,
  TYPES,
} from '../../src/index.js'
import { ConnectionPool } from '../../src/mssql.js'

// "Getting started": connect, then execSql.
const config = {
  server: 'localhost',
  secretName: 'prod/app-db',
  options: { port: 1433, database: 'app', trustServerCertificate: true },
}
const connection = new Connection(config)
connection.on('connect', (err) => {
  if (err) {
    console.log('Error: ', err.message)
    return
  }
  const request = new Request('SELECT @id AS id', (error, rowCount) => {
    if (error) console.log(error.message)
    else console.log(`${rowCount} row(s)`)
    connection.close()
  })
  request.addParameter('id', TYPES.Int, 42)
  request.on('row', (columns) => {
    for (const column of columns) console.log(column.metadata.colName, column.value)
  })
  connection.execSql(request)
})
connection.connect()

// Transactions, as tedious's docs write them.
export function transfer(): void {
  connection.beginTransaction((err) => {
    if (err) return
    connection.commitTransaction(() => {})
  })
}

// The default export as tedious's module object, and its option types reused.
export const viaDefault: InstanceType<typeof tediousDefault.Connection> =
  new tediousDefault.Connection({
    server: 'db',
    secretName: 'prod/app-db',
    rotationRetry: { maxTimeMs: 10_000 },
  })
export const shared: Omit<ConnectionConfiguration, 'authentication'> = {
  server: 'db',
  options: { encrypt: true },
}

// node-mssql: a pool from this package, requests and types from mssql.
export async function withMssql(): Promise<number> {
  const pool = await new ConnectionPool({
    server: 'localhost',
    database: 'app',
    secretName: 'prod/app-db',
    pool: { max: 10 },
    options: { trustServerCertificate: true },
  }).connect()
  const result = await pool
    .request()
    .input('id', sql.Int, 1)
    .query<{ id: number }>('SELECT @id AS id')
  const transaction = new sql.Transaction(pool)
  await transaction.begin()
  await transaction.commit()
  await pool.close()
  return result.recordset[0]?.id ?? 0
}
