import { runDefaultClientConformance } from '@org/driver-conformance'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { closeDefaultSecretClient, createConnection, createPool } from '../src/promise.js'

const asRows = ([rows]: [unknown, unknown]) => rows as Array<Record<string, unknown>>

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'default secret client', () =>
  runDefaultClientConformance({
    name: '@org/secret-mysql',
    engine: 'mariadb',
    closeDefaultSecretClient,
    async connect(options) {
      const connection = await createConnection(options)
      return {
        query: async (sql) => asRows(await connection.query(sql)),
        end: () => connection.end(),
      }
    },
    createPool({ max, ...options }) {
      const pool = createPool({ ...options, connectionLimit: max })
      return { query: async (sql) => asRows(await pool.query(sql)), end: () => pool.end() }
    },
  }),
)
