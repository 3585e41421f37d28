import { runDefaultClientConformance } from '@org/driver-conformance'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { closeDefaultSecretClient, createConnection, createPool } from '../src/index.js'

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'default secret client', () =>
  runDefaultClientConformance({
    name: '@org/secret-mariadb',
    engine: 'mariadb',
    closeDefaultSecretClient,
    async connect(options) {
      const connection = await createConnection(options)
      return { query: (sql) => connection.query(sql), end: () => connection.end() }
    },
    createPool({ max, ...options }) {
      const pool = createPool({ ...options, connectionLimit: max })
      return { query: (sql) => pool.query(sql), end: () => pool.end() }
    },
  }),
)
