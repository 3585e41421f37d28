import { type DriverAdapter, runDriverConformance } from '@org/driver-conformance'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { createConnection, createPool, isAuthFailure } from '../src/index.js'

const adapter: DriverAdapter = {
  name: '@org/secret-mariadb',
  engine: 'mariadb',
  isAuthFailure,
  async connect({ secretClient, ...options }) {
    const connection = await createConnection({ ...options, secretClient })
    return { query: (sql) => connection.query(sql), end: () => connection.end() }
  },
  createPool({ secretClient, max, ...options }) {
    const pool = createPool({ ...options, secretClient, connectionLimit: max })
    return { query: (sql) => pool.query(sql), end: () => pool.end() }
  },
}

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'secret-mariadb', () =>
  runDriverConformance(adapter),
)
