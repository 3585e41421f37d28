import { tsqlIdentifier as id, tsqlString as str } from '@org/test-support'
import * as tedious from 'tedious'

type Row = Record<string, unknown>

/** An admin session on a SQL Server (the test-only TDS server here), for fixtures. */
export interface SqlServerAdmin {
  /** Runs a batch and resolves the rows of its result sets; requests take turns. */
  query(sql: string): Promise<Row[]>
  /** Closes the session. */
  close(): Promise<void>
}

/**
 * Creates a login that owns a new database (a user there in `db_owner`), as the fixtures and the
 * benchmarks set up a rotated account; leaves the session in `master`.
 */
export async function createOwnedLogin(
  admin: SqlServerAdmin,
  account: string,
  password: string,
  database: string,
): Promise<void> {
  await admin.query(`CREATE DATABASE ${id(database)}`)
  await admin.query(`CREATE LOGIN ${id(account)} WITH PASSWORD = ${str(password)}`)
  await admin.query(
    `USE ${id(database)}; CREATE USER ${id(account)} FOR LOGIN ${id(account)}; ALTER ROLE [db_owner] ADD MEMBER ${id(account)}; USE [master]`,
  )
}

/**
 * Opens an admin session with tedious (batches, one at a time). The fixtures' own SQL goes through
 * it as real T-SQL, so they would run against a real SQL Server unchanged.
 */
export async function openSqlServerAdmin(options: {
  host: string
  port: number
  user: string
  password: string
}): Promise<SqlServerAdmin> {
  const connection = await new Promise<InstanceType<typeof tedious.Connection>>(
    (resolve, reject) => {
      const c = new tedious.Connection({
        server: options.host,
        authentication: {
          type: 'default',
          options: { userName: options.user, password: options.password },
        },
        options: { port: options.port, encrypt: false, connectTimeout: 5_000 },
      })
      c.on('error', () => {})
      c.connect((error) => (error ? reject(error) : resolve(c)))
    },
  )
  let turn: Promise<unknown> = Promise.resolve()
  const run = (sql: string) =>
    new Promise<Row[]>((resolve, reject) => {
      const rows: Row[] = []
      const request = new tedious.Request(sql, (error) => (error ? reject(error) : resolve(rows)))
      request.on('row', (columns: Array<{ metadata: { colName: string }; value: unknown }>) => {
        rows.push(Object.fromEntries(columns.map((c) => [c.metadata.colName, c.value])))
      })
      connection.execSqlBatch(request)
    })
  return {
    query(sql) {
      const result = turn.then(() => run(sql))
      turn = result.catch(() => {})
      return result
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (connection.closed) return resolve()
        connection.once('end', () => resolve())
        connection.close()
      }),
  }
}
