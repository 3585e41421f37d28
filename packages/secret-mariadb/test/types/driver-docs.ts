/**
 * Code written the way the connector's documentation (mariadb-connector-nodejs, promise API)
 * writes it, with the import swapped for `@org/secret-mariadb` and `secretName` instead of
 * `user`/`password`. Only type-checked (`tsc -p tsconfig.json`), never run: it proves that the
 * connector's types work through this package's default export and its named exports.
 */

import mariadb, {
  type Connection,
  type ConnectionConfig,
  createConnection,
  createPool,
  type Pool,
  type PoolConnection,
  SqlError,
  type UpsertResult,
} from '../../src/index.js'

// "Quick start" (the default export, as `import mariadb from 'mariadb'`).
const pool: Pool = mariadb.createPool({
  secretName: 'prod/app-db',
  host: 'mydb.com',
  connectionLimit: 5,
})

export async function quickStart(): Promise<void> {
  let conn: PoolConnection | undefined
  try {
    conn = await pool.getConnection()
    const rows = await conn.query('SELECT 1 as val')
    console.log(rows) // [ {val: 1}, meta: ... ]
    const res: UpsertResult = await conn.query('INSERT INTO myTable value (?, ?)', [1, 'mariadb'])
    console.log(res.affectedRows, res.insertId)
  } finally {
    if (conn) await conn.release()
  }
}

// Types through the default export's namespace too (this package's default export is one).
export const typedThroughDefault = async (): Promise<mariadb.PoolConnection> => pool.getConnection()

// A single connection, options typed as the connector's plus the secret's.
export async function single(): Promise<void> {
  const connection: Connection = await createConnection({
    secretName: 'prod/app-db',
    host: 'mydb.com',
    database: 'app',
    connectTimeout: 2_000,
    rotationRetry: { maxTimeMs: 10_000 },
  })
  try {
    const rows = await connection.query<Array<{ val: number }>>('SELECT 1 as val')
    console.log(rows[0]?.val)
    await connection.beginTransaction()
    await connection.commit()
  } catch (err) {
    if (err instanceof SqlError && err.errno === 1045) console.log(err.code, err.sqlState)
    throw err
  } finally {
    await connection.end()
  }
}

// The connector's own option types are the ones this package extends.
export const sharedOptions: Omit<ConnectionConfig, 'user' | 'password'> = {
  host: 'mydb.com',
  port: 3306,
  compress: true,
}
export const poolFromShared: Pool = createPool({
  ...sharedOptions,
  secretName: 'prod/app-db',
  recycleIdleOnRotation: false,
})
export const escaped: string = pool.escape('a') + pool.escapeId('b')
