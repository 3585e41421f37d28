import * as tedious from 'tedious'
import type { ResolvedServerConfig } from './_resolve-config.js'
import { tsqlIdentifier as id, tsqlString as str } from './_tsql.js'
import {
  assertAccountName,
  assertCloneArguments,
  assertGrants,
  assertNotAdmin,
  assertPassword,
} from './_validate.js'
import { wrapDriverError } from './_wrap-driver-error.js'
import type { AccountPrivilege, DatabaseEngine, DatabaseEngineKind } from './database-engine.js'
import {
  accountExists,
  accountNotFound,
  DatabaseEngineError,
  engineClosed,
} from './database-engine-error.js'

type Row = Record<string, unknown>

// Modelled on ApsaraDB RDS for SQL Server's account permissions (database roles).
const ROLES: Record<AccountPrivilege, readonly string[]> = {
  ReadWrite: ['db_owner'],
  ReadOnly: ['db_datareader'],
  DDLOnly: ['db_ddladmin'],
  DMLOnly: ['db_datareader', 'db_datawriter'],
}

const RESERVED_ACCOUNTS = new Set(['sa', 'public', 'sysadmin', 'guest', 'dbo'])
const SYSTEM_DATABASES = new Set(['master', 'tempdb', 'model', 'msdb'])

// SQL Server error numbers the engine interprets.
const LOGIN_FAILED = 18456
const CANNOT_ALTER_LOGIN = 15151

/** A tedious request error's server error number. */
function numberOf(error: unknown): number | undefined {
  const number = (error as { number?: unknown } | null)?.number
  return typeof number === 'number' ? number : undefined
}

/**
 * {@link DatabaseEngine} for SQL Server over `tedious`: accounts are SQL logins, each with a
 * database user of the same name in the databases it may use, privileges are database-role
 * memberships. Everything is plain T-SQL (`CREATE LOGIN`, `ALTER LOGIN … WITH PASSWORD`,
 * `CREATE USER … FOR LOGIN`, `ALTER ROLE … ADD MEMBER`), so the engine works against a real SQL
 * Server unchanged; the tests run it against the test-only TDS server of `@org/test-support`.
 * The admin connection is one tedious connection, opened on first use (requests take turns, as
 * tedious runs one at a time) and closed by `close()`.
 */
export class SqlServerEngine implements DatabaseEngine {
  readonly kind: DatabaseEngineKind = 'sqlserver'
  // Private so `util.inspect(engine)` and `JSON.stringify` cannot show the admin password.
  readonly #config: ResolvedServerConfig
  #admin: Promise<InstanceType<typeof tedious.Connection>> | undefined
  /** Requests take turns on the admin connection. */
  #turn: Promise<unknown> = Promise.resolve()
  #closed = false

  /** @param config - a resolved config of kind `sqlserver` */
  constructor(config: ResolvedServerConfig) {
    this.#config = config
  }

  #isReserved = (name: string) => RESERVED_ACCOUNTS.has(name)

  #assertMutable(account: string): void {
    assertNotAdmin(account, this.#config.user, false)
  }

  /** A tedious connection logged in as `user`; rejects with tedious's error. */
  #connect(user: string, password: string, database?: string) {
    const { host, port, connectTimeoutMs } = this.#config
    return new Promise<InstanceType<typeof tedious.Connection>>((resolve, reject) => {
      const connection = new tedious.Connection({
        server: host,
        authentication: { type: 'default', options: { userName: user, password } },
        options: {
          port,
          ...(database === undefined ? {} : { database }),
          connectTimeout: connectTimeoutMs,
          // A local emulator: the server's certificate is not checked when it offers TLS.
          encrypt: true,
          trustServerCertificate: true,
          maxRetriesOnTransientErrors: 0,
        },
      })
      let loginError: number | undefined
      connection.on('errorMessage', (token) => {
        loginError = token.number
      })
      // A server-side close of an idle connection must not become an unhandled 'error'.
      connection.on('error', () => {})
      connection.connect((error) => {
        if (error === undefined || error === null) resolve(connection)
        else reject(Object.assign(error, { number: loginError }))
      })
    })
  }

  /** Runs `work` on the admin connection, in turn with every other operation. */
  async #withAdmin<T>(
    operation: string,
    work: (run: (sql: string, secret?: boolean) => Promise<Row[]>) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) {
      throw engineClosed(operation)
    }
    const previous = this.#turn
    let done: () => void = () => {}
    this.#turn = new Promise<void>((resolve) => {
      done = resolve
    })
    await previous
    try {
      const connection = await this.#adminConnection(operation)
      const run = (sql: string, secret = false) =>
        execute(connection, sql).catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== 'EREQUEST') this.#admin = undefined
          throw wrapDriverError(error, { operation, secret })
        })
      try {
        return await work(run)
      } finally {
        // Leave the admin session where the next operation expects it.
        await execute(connection, 'USE [master]').catch(() => {})
      }
    } finally {
      done()
    }
  }

  async #adminConnection(operation: string) {
    const { host, port, user, password } = this.#config
    this.#admin ??= this.#connect(user, password).then((connection) => {
      // Reopened on next use once the server or the network closes it.
      connection.once('end', () => {
        this.#admin = undefined
      })
      return connection
    })
    try {
      return await this.#admin
    } catch (error) {
      this.#admin = undefined
      const number = numberOf(error)
      throw new DatabaseEngineError(
        'DATABASE_UNAVAILABLE',
        `${operation} failed: cannot open the admin connection to ${host}:${port} (${number === undefined ? String((error as Error).message) : `server error ${number}`}).`,
        number === undefined ? undefined : String(number),
      )
    }
  }

  async #exists(run: Runner, account: string): Promise<boolean> {
    const rows = await run(`SELECT name FROM sys.sql_logins WHERE name = ${str(account)}`)
    return rows.length > 0
  }

  /** The databases (not system ones) where `account` has a user, with its roles there. */
  async #memberships(run: Runner, account: string): Promise<Map<string, Set<string>>> {
    const databases = (await run('SELECT name FROM sys.databases'))
      .map((row) => String(row.name))
      .filter((name) => !SYSTEM_DATABASES.has(name.toLowerCase()))
    const memberships = new Map<string, Set<string>>()
    for (const database of databases) {
      await run(`USE ${id(database)}`)
      const users = await run(
        `SELECT name FROM sys.database_principals WHERE name = ${str(account)}`,
      )
      if (users.length === 0) continue
      const roles = await run(
        `SELECT r.name AS role FROM sys.database_role_members AS m JOIN sys.database_principals AS r ON m.role_principal_id = r.principal_id JOIN sys.database_principals AS u ON m.member_principal_id = u.principal_id WHERE u.name = ${str(account)}`,
      )
      memberships.set(database, new Set(roles.map((row) => String(row.role))))
    }
    return memberships
  }

  async accountExists(account: string): Promise<boolean> {
    assertAccountName(account)
    return this.#withAdmin('accountExists', (run) => this.#exists(run, account))
  }

  async setPassword(account: string, password: string): Promise<void> {
    assertAccountName(account, this.#isReserved)
    assertPassword(password)
    this.#assertMutable(account)
    await this.#withAdmin('setPassword', async (run) => {
      try {
        await run(`ALTER LOGIN ${id(account)} WITH PASSWORD = ${str(password)}`, true)
      } catch (error) {
        if ((error as DatabaseEngineError).serverCode === String(CANNOT_ALTER_LOGIN)) {
          throw accountNotFound(account)
        }
        throw error
      }
    })
  }

  async cloneAccount(source: string, clone: string, password: string): Promise<void> {
    assertCloneArguments(source, clone, password, this.#isReserved)
    this.#assertMutable(source)
    this.#assertMutable(clone)
    await this.#withAdmin('cloneAccount', async (run) => {
      if (!(await this.#exists(run, source))) throw accountNotFound(source)
      const wanted = await this.#memberships(run, source)
      const created = !(await this.#exists(run, clone))
      if (created) {
        await run(
          `CREATE LOGIN ${id(clone)} WITH PASSWORD = ${str(password)}, CHECK_POLICY = OFF`,
          true,
        )
      } else {
        // The clone exists (a retried first rotation): new password, then re-sync its roles.
        await run(`ALTER LOGIN ${id(clone)} WITH PASSWORD = ${str(password)}`, true)
      }
      try {
        const present = created
          ? new Map<string, Set<string>>()
          : await this.#memberships(run, clone)
        for (const [database, roles] of wanted) {
          await run(`USE ${id(database)}`)
          const has = present.get(database)
          if (has === undefined) await run(`CREATE USER ${id(clone)} FOR LOGIN ${id(clone)}`)
          for (const role of roles) {
            if (!has?.has(role)) await run(`ALTER ROLE ${id(role)} ADD MEMBER ${id(clone)}`)
          }
          for (const role of has ?? []) {
            if (!roles.has(role)) await run(`ALTER ROLE ${id(role)} DROP MEMBER ${id(clone)}`)
          }
        }
        for (const [database] of present) {
          if (wanted.has(database)) continue
          await run(`USE ${id(database)}`)
          await run(`DROP USER ${id(clone)}`)
        }
      } catch (error) {
        // A half-privileged clone would pass checkLogin yet fail the application: remove it.
        if (created) await run(`USE [master]; DROP LOGIN ${id(clone)}`).catch(() => {})
        throw error
      }
    })
  }

  async createAccount(
    account: string,
    password: string,
    grants: ReadonlyArray<{ database: string; privilege: AccountPrivilege }>,
  ): Promise<void> {
    assertAccountName(account, this.#isReserved)
    assertPassword(password)
    this.#assertMutable(account)
    assertGrants(grants, SYSTEM_DATABASES)
    await this.#withAdmin('createAccount', async (run) => {
      if (await this.#exists(run, account)) {
        throw accountExists(account)
      }
      await run(
        `CREATE LOGIN ${id(account)} WITH PASSWORD = ${str(password)}, CHECK_POLICY = OFF`,
        true,
      )
      try {
        const users = new Set<string>()
        for (const { database, privilege } of grants) {
          await run(`IF DB_ID(${str(database)}) IS NULL CREATE DATABASE ${id(database)}`)
          await run(`USE ${id(database)}`)
          if (!users.has(database)) {
            await run(`CREATE USER ${id(account)} FOR LOGIN ${id(account)}`)
            users.add(database)
          }
          for (const role of ROLES[privilege]) {
            await run(`ALTER ROLE ${id(role)} ADD MEMBER ${id(account)}`)
          }
        }
      } catch (error) {
        await run(`USE [master]; DROP LOGIN ${id(account)}`).catch(() => {})
        throw error
      }
    })
  }

  async checkLogin(account: string, password: string): Promise<boolean> {
    assertAccountName(account)
    if (typeof password !== 'string') return false
    if (this.#closed) {
      throw engineClosed('checkLogin')
    }
    let connection: InstanceType<typeof tedious.Connection> | undefined
    try {
      connection = await this.#connect(account, password)
      return true
    } catch (error) {
      if (numberOf(error) === LOGIN_FAILED) return false
      throw wrapDriverError(error, { operation: 'checkLogin', account, secret: false })
    } finally {
      connection?.close()
    }
  }

  async describeGrants(account: string): Promise<string[]> {
    assertAccountName(account)
    return this.#withAdmin('describeGrants', async (run) => {
      const grants: string[] = []
      for (const [database, roles] of await this.#memberships(run, account)) {
        grants.push(`USER ON ${database}`)
        for (const role of roles) grants.push(`ROLE ${role} ON ${database}`)
      }
      return grants.sort()
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    const admin = this.#admin
    this.#admin = undefined
    const connection = await admin?.catch(() => undefined)
    if (connection === undefined) return
    await new Promise<void>((resolve) => {
      connection.once('end', () => resolve())
      connection.close()
    })
  }
}

type Runner = (sql: string, secret?: boolean) => Promise<Row[]>

/** Runs a batch on `connection` and resolves the rows of its result sets as plain objects. */
function execute(connection: InstanceType<typeof tedious.Connection>, sql: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const rows: Row[] = []
    const request = new tedious.Request(sql, (error) => (error ? reject(error) : resolve(rows)))
    request.on('row', (columns: Array<{ metadata: { colName: string }; value: unknown }>) => {
      const row: Row = {}
      for (const column of columns) row[column.metadata.colName] = column.value
      rows.push(row)
    })
    connection.execSqlBatch(request)
  })
}
