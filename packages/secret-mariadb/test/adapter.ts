import type { DriverAdapter } from '@org/driver-conformance'
import { createConnection, createPool, isAuthFailure } from '../src/index.js'

/**
 * The connector's default `connectTimeout` is 1 s: when the storm case's 200 connects overflow
 * the server's listen backlog (MariaDB's `back_log` is 80 here), a dropped SYN is sent again after
 * 1 s and the connect times out, as it would with the connector alone. The case is about KMS calls.
 */
const CONNECT_TIMEOUT_MS = 5_000

/** This package as the conformance and chaos suites drive a driver. */
export const adapter: DriverAdapter = {
  name: '@org/secret-mariadb',
  engine: 'mariadb',
  isAuthFailure,
  async connect({ secretClient, ...options }) {
    const connection = await createConnection({
      connectTimeout: CONNECT_TIMEOUT_MS,
      ...options,
      secretClient,
    })
    // A session the server ends between queries (the chaos suite kills them) is reported here.
    connection.on('error', () => {})
    return { query: (sql) => connection.query(sql), end: () => connection.end() }
  },
  createPool({ secretClient, max, ...options }) {
    const pool = createPool({
      connectTimeout: CONNECT_TIMEOUT_MS,
      ...options,
      secretClient,
      connectionLimit: max,
    })
    return { query: (sql) => pool.query(sql), end: () => pool.end() }
  },
}
