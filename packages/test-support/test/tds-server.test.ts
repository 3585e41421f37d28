import { connect as connectSocket, type Socket } from 'node:net'
import {
  Connection,
  type ConnectionConfiguration,
  ConnectionError,
  Request,
  RequestError,
  TYPES,
} from 'tedious'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTdsServer, type TdsServer } from '../src/index.js'

type Row = Record<string, unknown>

/** An error message tedious emitted ('errorMessage' event). */
interface ErrorMessage {
  number: number
  class: number
  message: string
}

let server: TdsServer
const open = new Set<Connection>()

beforeAll(async () => {
  server = await startTdsServer({ logins: { app: 'app-password' } })
})

afterEach(() => {
  for (const connection of open) connection.close()
  open.clear()
})

afterAll(() => server.close())

function config(
  userName: string,
  password: string,
  options: ConnectionConfiguration['options'] = {},
): ConnectionConfiguration {
  return {
    server: server.host,
    authentication: { type: 'default', options: { userName, password } },
    options: { port: server.port, trustServerCertificate: true, ...options },
  }
}

/** A logged-in tedious connection, closed after the test. */
function connect(
  userName: string,
  password: string,
  options: ConnectionConfiguration['options'] = {},
): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const connection = new Connection(config(userName, password, options))
    // A server-side close emits 'error' after login; without a listener it would be thrown.
    connection.on('error', () => {})
    connection.connect((error) => {
      if (error) reject(error)
      else {
        open.add(connection)
        resolve(connection)
      }
    })
  })
}

const admin = () => connect(server.adminLogin, server.adminPassword)

/** A failed login: the error and the 'errorMessage' events it came with. */
function failedLogin(
  userName: string,
  password: string,
  options: ConnectionConfiguration['options'] = {},
): Promise<{ error: Error | undefined; messages: ErrorMessage[] }> {
  return new Promise((resolve) => {
    const connection = new Connection(config(userName, password, options))
    const messages: ErrorMessage[] = []
    connection.on('errorMessage', (message) => messages.push(message))
    connection.on('error', () => {})
    connection.connect((error) => {
      connection.close()
      resolve({ error, messages })
    })
  })
}

function run(
  connection: Connection,
  sql: string,
  how: 'execSql' | 'execSqlBatch',
  parameters: (request: Request) => void = () => {},
): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const rows: Row[] = []
    const request = new Request(sql, (error) => (error ? reject(error) : resolve(rows)))
    request.on('row', (columns) => {
      rows.push(
        Object.fromEntries(
          columns.map((column: { metadata: { colName: string }; value: unknown }) => [
            column.metadata.colName,
            column.value,
          ]),
        ),
      )
    })
    parameters(request)
    connection[how](request)
  })
}

/** Runs `sql` through sp_executesql (tedious's execSql), as node-mssql's query() does. */
const query = (connection: Connection, sql: string, parameters?: (request: Request) => void) =>
  run(connection, sql, 'execSql', parameters)

/** Runs `sql` as a SQL batch. */
const batch = (connection: Connection, sql: string) => run(connection, sql, 'execSqlBatch')

/** The RequestError a statement fails with. */
async function failure(connection: Connection, sql: string): Promise<RequestError> {
  const error = await query(connection, sql).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(RequestError)
  return error as RequestError
}

const callback = (start: (done: (error?: Error | null) => void) => void) =>
  new Promise<void>((resolve, reject) => start((error) => (error ? reject(error) : resolve())))

let counter = 0
const unique = (label: string) => `${label}_${++counter}_${Date.now().toString(36)}`

/** Resolves once the socket is closed by the server. */
const closedByServer = (socket: Socket) =>
  new Promise<void>((resolve) => {
    socket.on('error', () => {})
    socket.on('close', () => resolve())
  })

describe('login', () => {
  it('logs the admin in and answers SELECTs with typed columns', async () => {
    const connection = await admin()
    expect(await query(connection, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    expect(await query(connection, 'SELECT SUSER_SNAME() AS me')).toEqual([{ me: 'sa' }])
    const [row] = await batch(
      connection,
      "SELECT DB_NAME() AS db, N'it''s' AS text, NULL AS nothing, 2.5 AS half, 5000000000 AS big, 7",
    )
    expect(row).toEqual({
      db: 'master',
      text: "it's",
      nothing: null,
      half: 2.5,
      big: '5000000000',
      '': 7,
    })
  })

  it('logs a login created at start in, and another created with CREATE LOGIN', async () => {
    const app = await connect('app', 'app-password')
    expect(await query(app, 'SELECT SUSER_SNAME() AS me, SYSTEM_USER AS su')).toEqual([
      { me: 'app', su: 'app' },
    ])
    const login = unique('created')
    await batch(
      await admin(),
      `CREATE LOGIN [${login}] WITH PASSWORD = N'p''w;1', CHECK_POLICY = OFF, CHECK_EXPIRATION = OFF`,
    )
    const created = await connect(login, "p'w;1")
    expect(await query(created, 'SELECT SUSER_SNAME() AS me')).toEqual([{ me: login }])
  })

  it('refuses a wrong password with ELOGIN and error 18456 class 14', async () => {
    const before = server.stats().loginsRejected
    const { error, messages } = await failedLogin('app', 'wrong')
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as ConnectionError).code).toBe('ELOGIN')
    expect(error?.message).toBe("Login failed for user 'app'.")
    expect(messages).toMatchObject([
      { number: 18456, class: 14, message: "Login failed for user 'app'." },
    ])
    expect(server.stats().loginsRejected).toBe(before + 1)
  })

  it('refuses an unknown login and a disabled one the same way', async () => {
    expect((await failedLogin('nobody', 'x')).messages).toMatchObject([{ number: 18456 }])
    const login = unique('disabled')
    const connection = await admin()
    await batch(connection, `CREATE LOGIN [${login}] WITH PASSWORD = N'pw'`)
    await batch(connection, `ALTER LOGIN [${login}] DISABLE`)
    expect((await failedLogin(login, 'pw')).messages).toMatchObject([{ number: 18456 }])
    await batch(connection, `ALTER LOGIN [${login}] ENABLE`)
    await connect(login, 'pw')
  })

  it('refuses a database that does not exist, or that the login has no user in, with 4060', async () => {
    const missing = await failedLogin('app', 'app-password', { database: 'nowhere' })
    expect((missing.error as ConnectionError).code).toBe('ELOGIN')
    expect(missing.messages).toMatchObject([
      {
        number: 4060,
        class: 11,
        message: 'Cannot open database "nowhere" requested by the login. The login failed.',
      },
      { number: 18456 },
    ])
    const database = unique('db')
    await batch(await admin(), `CREATE DATABASE [${database}]`)
    const noUser = await failedLogin('app', 'app-password', { database })
    expect(noUser.messages.map((message) => message.number)).toEqual([4060, 18456])
  })

  it('sends the informational messages of a SQL Server login', async () => {
    const numbers = await new Promise<number[]>((resolve, reject) => {
      const connection = new Connection(config('app', 'app-password'))
      const seen: number[] = []
      connection.on('infoMessage', (message) => seen.push(message.number))
      connection.connect((error) => {
        connection.close()
        if (error) reject(error)
        else resolve(seen)
      })
    })
    expect(numbers).toEqual([5701, 5703])
  })

  it('works with encrypt: true (the default): the server does not support encryption', async () => {
    const connection = await connect('app', 'app-password', { encrypt: true })
    expect(await query(connection, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
  })
})

describe('logins', () => {
  it('changes a password for new logins only: an open session keeps working', async () => {
    const login = unique('rotating')
    const connection = await admin()
    await batch(connection, `CREATE LOGIN [${login}] WITH PASSWORD = N'old'`)
    const before = await connect(login, 'old')
    await batch(connection, `ALTER LOGIN [${login}] WITH PASSWORD = N'new' OLD_PASSWORD = N'old'`)
    expect((await failedLogin(login, 'old')).messages).toMatchObject([{ number: 18456 }])
    const after = await connect(login, 'new')
    expect(await query(after, 'SELECT SUSER_SNAME() AS me')).toEqual([{ me: login }])
    expect(await query(before, 'SELECT SUSER_SNAME() AS me')).toEqual([{ me: login }])
  })

  it('lets a login change its own password when it gives the old one', async () => {
    const login = unique('self')
    await batch(await admin(), `CREATE LOGIN [${login}] WITH PASSWORD = N'one'`)
    const own = await connect(login, 'one')
    expect((await failure(own, `ALTER LOGIN [${login}] WITH PASSWORD = N'two'`)).number).toBe(15247)
    await batch(own, `ALTER LOGIN [${login}] WITH PASSWORD = N'two' OLD_PASSWORD = N'one'`)
    await connect(login, 'two')
  })

  it('drops a login: new logins fail, an open session keeps working', async () => {
    const login = unique('dropped')
    const connection = await admin()
    await batch(connection, `CREATE LOGIN [${login}] WITH PASSWORD = N'pw'`)
    const session = await connect(login, 'pw')
    await batch(connection, `DROP LOGIN [${login}]`)
    expect((await failedLogin(login, 'pw')).messages).toMatchObject([{ number: 18456 }])
    expect(await query(session, 'SELECT 1 AS still')).toEqual([{ still: 1 }])
    expect(
      await query(connection, `SELECT name FROM sys.sql_logins WHERE name = N'${login}'`),
    ).toEqual([])
  })

  it('reports errors as RequestError with SQL Server numbers, and the session stays usable', async () => {
    const connection = await admin()
    const login = unique('dup')
    await batch(connection, `CREATE LOGIN [${login}] WITH PASSWORD = N'pw'`)
    const duplicate = await failure(connection, `CREATE LOGIN [${login}] WITH PASSWORD = N'pw'`)
    expect(duplicate).toMatchObject({
      number: 15025,
      class: 16,
      message: `The server principal '${login}' already exists.`,
    })
    expect(
      await failure(connection, "ALTER LOGIN [no_such_login] WITH PASSWORD = N'x'"),
    ).toMatchObject({
      number: 15151,
      message:
        "Cannot alter the login 'no_such_login', because it does not exist or you do not have permission.",
    })
    expect(await failure(connection, 'DROP LOGIN [no_such_login]')).toMatchObject({
      number: 15151,
      message:
        "Cannot drop the login 'no_such_login', because it does not exist or you do not have permission.",
    })
    expect(await failure(connection, 'FROBNICATE everything')).toMatchObject({
      number: 102,
      class: 15,
      message: "Incorrect syntax near 'FROBNICATE'.",
    })
    expect(await query(connection, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }])
  })

  it('refuses administration to a login that is not the admin (15247)', async () => {
    const app = await connect('app', 'app-password')
    for (const sql of [
      "CREATE LOGIN [x] WITH PASSWORD = N'p'",
      'DROP LOGIN [app]',
      'CREATE DATABASE [x]',
      'KILL 51',
    ]) {
      expect((await failure(app, sql)).number).toBe(15247)
    }
  })

  it('refuses a parameter where T-SQL wants a literal, as SQL Server does', async () => {
    const connection = await admin()
    const error = await query(connection, 'ALTER LOGIN [app] WITH PASSWORD = @p', (request) =>
      request.addParameter('p', TYPES.NVarChar, 'secret'),
    ).catch((caught: RequestError) => caught)
    expect(error).toMatchObject({ number: 102, message: "Incorrect syntax near '@p'." })
  })

  it('answers the catalog views and built-in functions', async () => {
    const connection = await admin()
    const login = unique('viewed')
    await batch(connection, `CREATE LOGIN [${login}] WITH PASSWORD = N'pw'`)
    expect(
      await query(connection, `SELECT name FROM sys.sql_logins WHERE name = N'${login}'`),
    ).toEqual([{ name: login }])
    const [ids] = await query(
      connection,
      `SELECT SUSER_ID(N'${login}') AS id, SUSER_ID(N'none') AS missing, DB_ID(N'master') AS master`,
    )
    expect(ids).toMatchObject({ missing: null, master: 1 })
    expect(typeof ids?.id).toBe('number')
    expect(await query(connection, 'SELECT name FROM sys.databases')).toContainEqual({
      name: 'master',
    })
    const [counted] = await query(
      connection,
      `SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE login_name IN (N'${login}', N'sa')`,
    )
    expect(counted?.n).toBe(server.sessionCount('sa'))
    const [row] = await query(connection, 'SELECT @@SPID AS spid, @@VERSION AS version')
    expect(row?.spid).toBeGreaterThanOrEqual(51)
    expect(row?.version).toMatch(/^Microsoft SQL Server/)
  })
})

describe('databases and users', () => {
  it('creates a database, switches to it with USE and manages users and roles', async () => {
    const connection = await admin()
    const database = unique('db')
    const changes: string[] = []
    connection.on('databaseChange', (name) => changes.push(name))
    await batch(connection, `IF DB_ID(N'${database}') IS NULL CREATE DATABASE [${database}]`)
    await batch(
      connection,
      `IF NOT EXISTS (SELECT name FROM sys.databases WHERE name = N'${database}')\nCREATE DATABASE [${database}]`,
    )
    expect(await failure(connection, `CREATE DATABASE [${database}]`)).toMatchObject({
      number: 1801,
      message: `Database '${database}' already exists. Choose a different database name.`,
    })
    await batch(connection, `USE [${database}]`)
    expect(changes).toEqual([database])
    expect(await query(connection, 'SELECT DB_NAME() AS db')).toEqual([{ db: database }])
    await batch(
      connection,
      [
        'CREATE USER [app] FOR LOGIN [app]',
        'ALTER ROLE [db_datawriter] ADD MEMBER [app]',
        'ALTER ROLE [db_datareader] ADD MEMBER [app]',
      ].join(';\n'),
    )
    expect(await failure(connection, 'CREATE USER [app] FROM LOGIN [app]')).toMatchObject({
      number: 15023,
    })
    const roles = `SELECT r.name AS role
      FROM sys.database_role_members AS m
      JOIN sys.database_principals AS r ON m.role_principal_id = r.principal_id
      JOIN sys.database_principals AS u ON m.member_principal_id = u.principal_id
      WHERE u.name = N'app'`
    expect(await query(connection, roles)).toEqual([
      { role: 'db_datareader' },
      { role: 'db_datawriter' },
    ])
    expect(
      await query(connection, "SELECT name FROM sys.database_principals WHERE name = N'app'"),
    ).toEqual([{ name: 'app' }])
    expect((await failure(connection, 'ALTER ROLE [no_role] ADD MEMBER [app]')).number).toBe(15151)
    expect((await failure(connection, 'ALTER ROLE [db_owner] ADD MEMBER [ghost]')).number).toBe(
      15151,
    )

    const app = await connect('app', 'app-password', { database })
    expect(await query(app, 'SELECT DB_NAME() AS db, USER_NAME() AS u')).toEqual([
      { db: database, u: 'app' },
    ])
    await batch(connection, 'ALTER ROLE [db_datawriter] DROP MEMBER [app]')
    expect(await query(connection, roles)).toEqual([{ role: 'db_datareader' }])
    expect(await failure(connection, `DROP DATABASE [${database}]`)).toMatchObject({
      number: 3702,
    })
  })

  it('keeps a USE inside sp_executesql to that call, as SQL Server does', async () => {
    const connection = await admin()
    const database = unique('scoped')
    await batch(connection, `CREATE DATABASE [${database}]`)
    expect(await query(connection, `USE [${database}]; SELECT DB_NAME() AS db`)).toEqual([
      { db: database },
    ])
    expect(await query(connection, 'SELECT DB_NAME() AS db')).toEqual([{ db: 'master' }])
  })

  it('refuses USE of a missing database (911) and of one without a user (916)', async () => {
    const connection = await admin()
    expect(await failure(connection, 'USE [missing_db]')).toMatchObject({
      number: 911,
      message:
        "Database 'missing_db' does not exist. Make sure that the name is entered correctly.",
    })
    const database = unique('private')
    await batch(connection, `CREATE DATABASE [${database}]`)
    const app = await connect('app', 'app-password')
    expect((await failure(app, `USE [${database}]`)).number).toBe(916)
    expect(await query(app, 'SELECT DB_NAME() AS db')).toEqual([{ db: 'master' }])
    await batch(connection, `DROP DATABASE [${database}]`)
    expect(await query(connection, `SELECT DB_ID(N'${database}') AS id`)).toEqual([{ id: null }])
  })
})

describe('requests', () => {
  it('binds sp_executesql parameters (Int, NVarChar, Bit, Float, NULL) as literals', async () => {
    const connection = await admin()
    const rows = await query(
      connection,
      'SELECT @a AS a, @b AS b, @c AS c, @d AS d, @e AS e',
      (r) => {
        r.addParameter('a', TYPES.Int, 42)
        r.addParameter('b', TYPES.NVarChar, 'héllo wörld')
        r.addParameter('c', TYPES.Bit, true)
        r.addParameter('d', TYPES.Float, 0.25)
        r.addParameter('e', TYPES.VarChar, null)
      },
    )
    expect(rows).toEqual([{ a: 42, b: 'héllo wörld', c: true, d: 0.25, e: null }])
    const [ids] = await query(connection, 'SELECT SUSER_ID(@name) AS id', (r) =>
      r.addParameter('name', TYPES.NVarChar, 'app'),
    )
    expect(typeof ids?.id).toBe('number')
  })

  it('answers multi-statement batches and reassembles requests larger than a packet', async () => {
    const connection = await admin()
    const long = 'x'.repeat(6000)
    const rows = await batch(connection, `SELECT 1 AS a; SELECT N'${long}' AS long`)
    expect(rows).toEqual([{ a: 1 }, { long }])
  })

  it('runs transactions through the transaction manager and in T-SQL', async () => {
    const connection = await admin()
    const trancount = async () => (await query(connection, 'SELECT @@TRANCOUNT AS n'))[0]?.n
    await callback((done) => connection.beginTransaction(done))
    expect(await trancount()).toBe(1)
    await callback((done) => connection.commitTransaction(done))
    expect(await trancount()).toBe(0)
    await callback((done) => connection.beginTransaction(done))
    await callback((done) => connection.rollbackTransaction(done))
    expect(await trancount()).toBe(0)
    expect(
      await batch(connection, 'BEGIN TRAN; BEGIN TRANSACTION; SELECT @@TRANCOUNT AS n'),
    ).toEqual([{ n: 2 }])
    await batch(connection, 'COMMIT')
    expect(await trancount()).toBe(1)
    await batch(connection, 'ROLLBACK')
    expect(await trancount()).toBe(0)
    expect((await failure(connection, 'COMMIT TRANSACTION')).number).toBe(3902)
  })

  it('cancels a running WAITFOR on connection.cancel(); the session stays usable', async () => {
    const connection = await admin()
    const started = Date.now()
    const error = await new Promise<Error | null | undefined>((resolve) => {
      connection.execSql(new Request("WAITFOR DELAY '00:00:05'", resolve))
      setTimeout(() => connection.cancel(), 100)
    })
    expect(error).toMatchObject({ code: 'ECANCEL' })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(await query(connection, 'SELECT 2 AS two')).toEqual([{ two: 2 }])
  })

  it('times a WAITFOR out with requestTimeout (an attention too)', async () => {
    const connection = await connect('app', 'app-password', { requestTimeout: 200 })
    await expect(query(connection, "WAITFOR DELAY '00:00:05'")).rejects.toMatchObject({
      code: 'ETIMEOUT',
    })
    expect(await query(connection, 'SELECT 3 AS three')).toEqual([{ three: 3 }])
  })

  it('fails other stored procedures with 2812', async () => {
    const connection = await admin()
    const error = await new Promise<Error | null | undefined>((resolve) => {
      connection.callProcedure(new Request('sp_who', resolve))
    })
    expect(error).toMatchObject({
      number: 2812,
      message: "Could not find stored procedure 'sp_who'.",
    })
  })
})

describe('sessions', () => {
  it('counts sessions and closes them with killSessions', async () => {
    const login = unique('killed')
    await batch(await admin(), `CREATE LOGIN [${login}] WITH PASSWORD = N'pw'`)
    const first = await connect(login, 'pw')
    await connect(login, 'pw')
    expect(server.sessionCount(login)).toBe(2)
    expect(server.sessionCount()).toBeGreaterThanOrEqual(3)
    const ended = new Promise<void>((resolve) => first.on('end', () => resolve()))
    expect(server.killSessions(login)).toBe(2)
    await ended
    expect(server.sessionCount(login)).toBe(0)
    expect(server.killSessions(login)).toBe(0)
  })

  it('closes another session with KILL', async () => {
    const connection = await admin()
    const victim = await connect('app', 'app-password')
    const [row] = await query(victim, 'SELECT @@SPID AS spid')
    const ended = new Promise<void>((resolve) => victim.on('end', () => resolve()))
    await batch(connection, `KILL ${Number(row?.spid)}`)
    await ended
    expect((await failure(connection, 'KILL 32000')).number).toBe(6106)
  })

  it('accepts 250 concurrent logins', async () => {
    const before = server.sessionCount('app')
    const connections = await Promise.all(
      Array.from({ length: 250 }, () => connect('app', 'app-password')),
    )
    expect(server.sessionCount('app')).toBe(before + 250)
    const answers = await Promise.all(
      connections.map((connection) => query(connection, 'SELECT @@SPID AS spid')),
    )
    expect(new Set(answers.map(([row]) => row?.spid)).size).toBe(250)
  })

  it("resets a session on tedious's reset(): database and open transaction", async () => {
    const connection = await admin()
    const database = unique('reset')
    await batch(connection, `CREATE DATABASE [${database}]; USE [${database}]`)
    await callback((done) => connection.beginTransaction(done))
    await callback((done) => connection.reset(done))
    expect(await query(connection, 'SELECT DB_NAME() AS db, @@TRANCOUNT AS n')).toEqual([
      { db: 'master', n: 0 },
    ])
  })

  it('closes only the socket that sent garbage', async () => {
    const connection = await admin()
    const http = connectSocket(server.port, server.host)
    http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await closedByServer(http)
    // A valid PRELOGIN header whose option table points past the payload.
    const prelogin = connectSocket(server.port, server.host)
    prelogin.write(Buffer.from([0x12, 0x01, 0x00, 0x0d, 0, 0, 1, 0, 0x00, 0x00, 0x40, 0x00, 0x06]))
    await closedByServer(prelogin)
    // A LOGIN7 far too short for its fixed part.
    const login = connectSocket(server.port, server.host)
    login.write(Buffer.from([0x10, 0x01, 0x00, 0x0c, 0, 0, 1, 0, 1, 2, 3, 4]))
    await closedByServer(login)
    expect(await query(connection, 'SELECT 1 AS alive')).toEqual([{ alive: 1 }])
  })
})

describe('close()', () => {
  it('destroys every open socket and stops listening', async () => {
    const own = await startTdsServer({ adminPassword: 'Admin-1', port: 0 })
    const connection = new Connection({
      server: own.host,
      authentication: { type: 'default', options: { userName: 'sa', password: 'Admin-1' } },
      options: { port: own.port, trustServerCertificate: true },
    })
    connection.on('error', () => {})
    await callback((done) => connection.connect(done))
    const ended = new Promise<void>((resolve) => connection.on('end', () => resolve()))
    expect(own.sessionCount()).toBe(1)
    await own.close()
    await ended
    expect(own.sessionCount()).toBe(0)
    await own.close()
    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = connectSocket(own.port, own.host)
      socket.on('connect', () => {
        socket.destroy()
        resolve(undefined)
      })
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code))
    })
    expect(refused).toBe('ECONNREFUSED')
  })
})
