import { type DriverAdapter, runDriverConformance } from '@org/driver-conformance'
import { ConnectionPool, isAuthFailure } from '../src/mssql.js'
import { mssqlPool } from './tedious-helpers.js'

const adapter: DriverAdapter = {
  name: '@org/secret-tedious/mssql',
  engine: 'sqlserver',
  isAuthFailure,
  async connect({ host, ...options }) {
    // One connection: a pool of one, connected (mssql opens a first connection to check the login).
    const pool = mssqlPool(() => new ConnectionPool({ server: host, ...options, pool: { max: 1 } }))
    try {
      await pool.query('SELECT 1')
    } catch (error) {
      await pool.end()
      throw error
    }
    return pool
  },
  createPool: ({ host, max, ...options }) =>
    mssqlPool(() => new ConnectionPool({ server: host, ...options, pool: { max } })),
}

runDriverConformance(adapter)
