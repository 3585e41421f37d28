import type { DriverAdapter } from '@org/driver-conformance'
import { createConnection, createPool, isAuthFailure } from '../src/promise.js'

/** The promise API of this package as the conformance and chaos suites drive a driver. */
const asRows = ([rows]: [unknown, unknown]) => rows as Array<Record<string, unknown>>

export const adapter: DriverAdapter = {
  name: '@org/secret-mysql',
  engine: 'mariadb',
  isAuthFailure,
  async connect({ secretClient, ...options }) {
    const connection = await createConnection({ ...options, secretClient })
    // A session the server ends between queries (the chaos suite kills them) is reported here.
    connection.on('error', () => {})
    return {
      query: async (sql) => asRows(await connection.query(sql)),
      end: () => connection.end(),
    }
  },
  createPool({ secretClient, max, ...options }) {
    const pool = createPool({ ...options, secretClient, connectionLimit: max })
    return { query: async (sql) => asRows(await pool.query(sql)), end: () => pool.end() }
  },
}
