import type { DriverAdapter } from '@org/driver-conformance'
import { Connection, isAuthFailure } from '../src/index.js'
import { closed, connected, connectionPool, query } from './tedious-helpers.js'

/** A tedious `Connection` of this package, connected; rejects with tedious's connect error. */
async function open(options: Parameters<DriverAdapter['connect']>[0]) {
  const { host, port, database, ...secret } = options
  const connection = new Connection({ server: host, ...secret, options: { port, database } })
  // A session the server ends (the chaos suite kills them) is reported as 'error' (ESOCKET) —
  // tedious 18 does so even while the login is under way — and without a listener that ends the
  // process, as with tedious alone. Attached before connect(), as a careful app does.
  connection.on('error', () => {})
  await connected(connection)
  return connection
}

/** This package as the conformance and chaos suites drive a driver. */
export const adapter: DriverAdapter = {
  name: '@org/secret-tedious',
  engine: 'sqlserver',
  isAuthFailure,
  async connect(options) {
    const connection = await open(options)
    return { query: (sql) => query(connection, sql), end: () => closed(connection) }
  },
  // tedious has no pool: the suite's pool cases run on a minimal one of this package's connections.
  createPool: ({ max, ...options }) => connectionPool(max, () => open(options)),
}
