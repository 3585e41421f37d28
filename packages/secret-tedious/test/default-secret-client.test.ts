import { runDefaultClientConformance } from '@org/driver-conformance'
import { Connection, closeDefaultSecretClient } from '../src/index.js'
import { ConnectionPool } from '../src/mssql.js'
import { closed, connected, mssqlPool, query } from './tedious-helpers.js'

runDefaultClientConformance({
  name: '@org/secret-tedious',
  engine: 'sqlserver',
  closeDefaultSecretClient,
  async connect({ host, port, database, ...secret }) {
    const connection = new Connection({ server: host, ...secret, options: { port, database } })
    await connected(connection)
    return { query: (sql) => query(connection, sql), end: () => closed(connection) }
  },
  // The pool cases through node-mssql's pool (tedious has none).
  createPool: ({ host, max, ...options }) =>
    mssqlPool(() => new ConnectionPool({ server: host, ...options, pool: { max } })),
})
