import type { DriverAdapter } from '@org/driver-conformance'
import { Client, isAuthFailure, Pool } from '../src/index.js'

/** This package as the conformance and chaos suites drive a driver. */
export const adapter: DriverAdapter = {
  name: '@org/secret-pg',
  engine: 'postgresql',
  isAuthFailure,
  async connect(options) {
    const client = new Client(options)
    await client.connect()
    return { query: async (sql) => (await client.query(sql)).rows, end: () => client.end() }
  },
  createPool(options) {
    const pool = new Pool(options)
    return { query: async (sql) => (await pool.query(sql)).rows, end: () => pool.end() }
  },
}
