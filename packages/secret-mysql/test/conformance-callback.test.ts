import { type DriverAdapter, runDriverConformance } from '@org/driver-conformance'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import {
  type Connection,
  createConnection,
  createPool,
  isAuthFailure,
  type Pool,
} from '../src/index.js'

type Rows = Array<Record<string, unknown>>

const query = (target: Pick<Connection | Pool, 'query'>, sql: string) =>
  new Promise<Rows>((resolve, reject) => {
    target.query(sql, (err, rows) => (err ? reject(err) : resolve(rows as Rows)))
  })

const end = (target: Pick<Connection | Pool, 'end'>) =>
  new Promise<void>((resolve, reject) => {
    target.end((err: unknown) => (err ? reject(err) : resolve()))
  })

/** The suite through the callback API: the callback `createConnection` and the callback pool. */
const adapter: DriverAdapter = {
  name: '@org/secret-mysql (callback API)',
  engine: 'mariadb',
  isAuthFailure,
  async connect({ secretClient, ...options }) {
    const connection = createConnection({ ...options, secretClient })
    // A failed login with no command waiting is reported as 'error', as in mysql2.
    await new Promise<void>((resolve, reject) => {
      const connected = () => {
        connection.off('error', failed)
        resolve()
      }
      const failed = (err: Error) => {
        connection.off('connect', connected)
        reject(err)
      }
      connection.once('connect', connected).once('error', failed)
    })
    return { query: (sql) => query(connection, sql), end: () => end(connection) }
  },
  createPool({ secretClient, max, ...options }) {
    const pool = createPool({ ...options, secretClient, connectionLimit: max })
    return { query: (sql) => query(pool, sql), end: () => end(pool) }
  },
}

// Every case, with a shorter stress and a smaller storm than the promise run (which has the
// acceptance figures): this run checks the callback surface, not the load.
await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'secret-mysql callback', () =>
  runDriverConformance(adapter, { stressMs: 4000, stormAttempts: 50 }),
)
