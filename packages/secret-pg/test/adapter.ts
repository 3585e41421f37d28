import type { DriverAdapter } from '@org/driver-conformance'
import { Client, isAuthFailure, Pool } from '../src/index.js'

/** This package as the conformance and chaos suites drive a driver. */
export const adapter: DriverAdapter = {
  name: '@org/secret-pg',
  engine: 'postgresql',
  isAuthFailure,
  async connect(options) {
    const client = new Client(options)
    // As pg documents for every client: a session the server ends between queries (the chaos
    // suite kills them) is reported here, and without a listener it would end the process.
    client.on('error', () => {})
    await client.connect()
    return { query: async (sql) => (await client.query(sql)).rows, end: () => client.end() }
  },
  createPool(options) {
    const pool = new Pool(options)
    // The same for an idle pooled client (pg's pool documentation asks for this listener).
    pool.on('error', () => {})
    return { query: async (sql) => (await pool.query(sql)).rows, end: () => pool.end() }
  },
}
