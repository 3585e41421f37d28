/**
 * Code written the way the connector's documentation writes its callback API
 * (`mariadb/callback`), with the import swapped for `@org/secret-mariadb/callback` and
 * `secretName` instead of `user`/`password`. Only type-checked, never run.
 */

import mariadb, { type Pool, type PoolConnection, type SqlError } from '../../src/callback.js'

const pool: Pool = mariadb.createPool({ secretName: 'prod/app-db', host: 'mydb.com' })

export function quickStart(): void {
  pool.getConnection((err: SqlError | null, conn?: PoolConnection) => {
    if (err || !conn) return
    conn.query('SELECT 1 as val', (error, rows) => {
      conn.release(() => {})
      if (error) console.log(error.code)
      else console.log(rows)
    })
  })
}

// "Pool cluster" of the callback API: nodes take the pool options with secretName.
const cluster = mariadb.createPoolCluster({ removeNodeErrorCount: 5 })
cluster.add('master', { secretName: 'prod/app-db', host: 'mydb1.com', connectionLimit: 5 })
cluster.add('slave1', { secretName: 'prod/app-db', host: 'mydb2.com', connectionLimit: 5 })

export function fromCluster(): void {
  cluster.getConnection('slave*', 'RR', (err, conn) => {
    if (err || !conn) return
    conn.query('SELECT 1', () => conn.release(() => {}))
  })
  cluster.on('remove', (node: string) => console.log(`node ${node} removed`))
  cluster.end((err) => {
    if (err) console.log(err.message)
  })
}
