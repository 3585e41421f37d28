/**
 * Code written the way mysql2's documentation writes it, with the import swapped for
 * `@org/secret-mysql` and `secretName` instead of `user`/`password`. It is only type-checked
 * (`tsc -p tsconfig.json`), never run: it proves that mysql2's types work through this package's
 * default exports (`mysql.RowDataPacket`, `mysqlPromise.Pool`, …) and its named exports.
 */

import mysql, {
  type Connection,
  createConnection,
  createPool,
  type FieldPacket,
  type PoolOptions,
  type QueryError,
  type ResultSetHeader,
  type RowDataPacket,
} from '../../src/index.js'
import mysqlPromise, {
  type Pool as PromisePool,
  type PoolConnection as PromisePoolConnection,
  type RowDataPacket as PromiseRowDataPacket,
} from '../../src/promise.js'

/** mysql2's docs: "Using Prepared Statements / Typing results". */
interface User extends mysql.RowDataPacket {
  id: number
  name: string
}

/** The secret options, as the docs' connection options would be written. */
const where = { secretName: 'db/app', host: 'localhost', database: 'test' }

export async function callbackDocs(): Promise<void> {
  // mysql2's docs: "Using connection pools".
  const pool = mysql.createPool({
    ...where,
    waitForConnections: true,
    connectionLimit: 10,
    maxIdle: 10,
    idleTimeout: 60000,
    queueLimit: 0,
    enableKeepAlive: true,
    keepAliveInitialDelay: 0,
  })
  pool.query<mysql.RowDataPacket[]>('SELECT 1 + 1 AS solution', (err, rows, fields) => {
    const error: mysql.QueryError | null = err
    const first: mysql.RowDataPacket | undefined = rows[0]
    const columns: mysql.FieldPacket[] = fields
    void error
    void first
    void columns
  })
  pool.execute<mysql.ResultSetHeader>(
    'INSERT INTO users (name) VALUES (?)',
    ['Alice'],
    (err, result) => {
      if (err) return
      const id: number = result.insertId
      void id
    },
  )
  pool.getConnection((err, connection) => {
    if (err) throw err
    connection.query<User[]>('SELECT id, name FROM users', (_error, users) => {
      const name: string | undefined = users[0]?.name
      void name
      connection.release()
    })
  })

  // mysql2's docs: "First Query", with the callback connection.
  const connection: mysql.Connection = mysql.createConnection(where)
  connection.query<RowDataPacket[]>(
    'SELECT * FROM `table` WHERE `name` = "Page" AND `age` > 45',
    (err: QueryError | null, results: RowDataPacket[], fields: FieldPacket[]) => {
      void err
      void results
      void fields
    },
  )
  const [rows, fields] = await connection.promise().query<mysql.RowDataPacket[]>('SELECT 1')
  const count: number = rows.length
  const names: string[] = fields.map((field) => field.name)
  void count
  void names
  connection.end()

  // Named imports, and mysql2's option type for the pool options.
  const options: Omit<PoolOptions, 'user' | 'password'> & { secretName: string } = {
    ...where,
    connectionLimit: 5,
  }
  const named = createPool(options)
  const [users] = await named.promise().query<User[]>('SELECT id, name FROM users')
  const id: number | undefined = users[0]?.id
  void id
  const header: ResultSetHeader = (
    await named.promise().execute<ResultSetHeader>('DELETE FROM t')
  )[0]
  void header.affectedRows
  named.end()
  const single: Connection = createConnection({ ...where, rotationRetry: { maxAttempts: 3 } })
  single.destroy()

  mysql.createConnection({
    ...where,
    // @ts-expect-error the credentials come from the secret: `password` is not an option
    password: 'hunter2',
  })
}

export async function promiseDocs(): Promise<void> {
  // mysql2's docs: "Using Promise Wrapper".
  const conn: mysqlPromise.Connection = await mysqlPromise.createConnection(where)
  const [rows] = await conn.query<mysqlPromise.RowDataPacket[]>('SELECT 1 AS one')
  const one: unknown = rows[0]?.one
  void one
  const [result] = await conn.execute<mysqlPromise.ResultSetHeader>(
    'UPDATE users SET name = ? WHERE id = ?',
    ['Bob', 1],
  )
  void result.affectedRows
  await conn.end()

  const pool: mysqlPromise.Pool = mysqlPromise.createPool({
    ...where,
    waitForConnections: true,
    connectionLimit: 10,
  })
  const connection: mysqlPromise.PoolConnection = await pool.getConnection()
  const [users] = await connection.query<User[]>('SELECT id, name FROM users')
  void users[0]?.name
  connection.release()
  await pool.end()

  // Named imports.
  const named: PromisePool = mysqlPromise.createPool({ ...where, connectionLimit: 2 })
  const checkedOut: PromisePoolConnection = await named.getConnection()
  const [list] = await checkedOut.query<PromiseRowDataPacket[]>('SELECT 1')
  void list.length
  checkedOut.release()
  await named.end()

  await mysqlPromise.createConnection({
    ...where,
    // @ts-expect-error the credentials come from the secret: `user` is not an option
    user: 'app',
  })
}
