import mysql from 'mysql2/promise'
import {
  grantDatabasePattern,
  granteeToken,
  normaliseGrant,
  replayOrder,
  revokeStatements,
  rewriteGrant,
} from './_mysql-grants.js'
import type { ResolvedServerConfig } from './_resolve-config.js'
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

/** Host part of every account the engine manages: `'%'` matches clients from any address. */
const ACCOUNT_HOST = '%'

// Modelled on the privilege sets of the RDS console's "Create account" (database level).
const PRIVILEGES: Record<AccountPrivilege, string> = {
  ReadWrite:
    'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER',
  ReadOnly: 'SELECT, LOCK TABLES, SHOW VIEW',
  DDLOnly:
    'CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE',
  DMLOnly:
    'SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, SHOW VIEW, EVENT, TRIGGER',
}

const RESERVED_ACCOUNTS = new Set(['root', 'mysql', 'mariadb', 'public', 'none'])
const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys'])

// mysql2 error numbers the engine interprets.
// MariaDB sometimes answers a failed login with 1698 (ER_ACCESS_DENIED_NO_PASSWORD_ERROR) instead of
// 1045: seen in CI for an unknown user while other test files were creating accounts.
const ER_ACCESS_DENIED = [1045, 1698]
const ER_CANNOT_USER = 1396
const ER_NONEXISTING_GRANT = 1141
const ER_PASSWORD_EXPIRED = [1820, 1862]
const ER_ACCOUNT_LOCKED = [3118, 4151]

// Escaping of literals (the driver's `?` placeholders) assumes backslash escapes; a server running
// with NO_BACKSLASH_ESCAPES would read `\'` as a backslash plus the end of the string.
const SAFE_SQL_MODE =
  "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))"

function errnoOf(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno
  return typeof errno === 'number' ? errno : undefined
}

/**
 * {@link DatabaseEngine} for MariaDB and MySQL over `mysql2`. Accounts are `'name'@'%'`; the admin
 * connection is a pool of at most two connections, opened on first use and ended by `close()`.
 * Clones are built from `SHOW GRANTS` of the source (see docs/database-engines.md).
 */
export class MysqlEngine implements DatabaseEngine {
  readonly kind: DatabaseEngineKind
  // Private so `util.inspect(engine)` and `JSON.stringify` cannot show the admin password.
  readonly #config: ResolvedServerConfig
  #pool: mysql.Pool | undefined
  readonly #prepared = new WeakSet<object>()
  #closed = false

  /** @param config - a resolved config of kind `mysql` or `mariadb` */
  constructor(config: ResolvedServerConfig) {
    this.kind = config.engine
    this.#config = config
  }

  #isReserved = (name: string) => RESERVED_ACCOUNTS.has(name)

  #assertMutable(account: string): void {
    assertNotAdmin(account, this.#config.user, false)
  }

  #account(name: string): string {
    return `${mysql.escape(name)}@${mysql.escape(ACCOUNT_HOST)}`
  }

  /** Runs `work` on one admin connection whose session is prepared for safe literal escaping. */
  async #withConnection<T>(
    operation: string,
    work: (connection: mysql.PoolConnection) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) {
      throw engineClosed(operation)
    }
    this.#pool ??= this.#createPool()
    let connection: mysql.PoolConnection
    try {
      connection = await this.#pool.getConnection()
    } catch (error) {
      const wrapped = wrapDriverError(error, { operation, secret: false })
      throw new DatabaseEngineError(
        'DATABASE_UNAVAILABLE',
        `${operation} failed: cannot open the admin connection to ${this.#config.host}:${this.#config.port} (${wrapped.serverCode ? `server error ${wrapped.serverCode}` : wrapped.message}).`,
        wrapped.serverCode,
      )
    }
    try {
      if (!this.#prepared.has(connection.connection)) {
        try {
          await connection.query(SAFE_SQL_MODE)
        } catch (error) {
          throw wrapDriverError(error, { operation, secret: false })
        }
        this.#prepared.add(connection.connection)
      }
      return await work(connection)
    } finally {
      connection.release()
    }
  }

  #createPool(): mysql.Pool {
    const pool = mysql.createPool({
      host: this.#config.host,
      port: this.#config.port,
      user: this.#config.user,
      password: this.#config.password,
      connectionLimit: 2,
      maxIdle: 2,
      idleTimeout: 30_000,
      connectTimeout: this.#config.connectTimeoutMs,
      multipleStatements: false,
      charset: 'utf8mb4',
    })
    // Idle connections dropped by the server must not become unhandled 'error' events.
    pool.pool.on('error', () => {})
    return pool
  }

  /** Runs one statement; `secret` marks statements that contain a password. */
  async #run(
    connection: mysql.PoolConnection,
    sql: string,
    values: unknown[],
    context: { operation: string; account?: string; secret?: boolean },
  ): Promise<unknown> {
    try {
      const [rows] = await connection.query(sql, values)
      return rows
    } catch (error) {
      throw wrapDriverError(error, { ...context, secret: context.secret ?? false })
    }
  }

  async #exists(connection: mysql.PoolConnection, account: string): Promise<boolean> {
    const rows = (await this.#run(
      connection,
      'SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?',
      [account, ACCOUNT_HOST],
      { operation: 'accountExists', account },
    )) as unknown[]
    return rows.length > 0
  }

  async #showGrants(connection: mysql.PoolConnection, account: string): Promise<string[]> {
    try {
      const [rows] = await connection.query(`SHOW GRANTS FOR ${this.#account(account)}`)
      return (rows as Array<Record<string, unknown>>).map((row) => String(Object.values(row)[0]))
    } catch (error) {
      if (errnoOf(error) === ER_NONEXISTING_GRANT) throw accountNotFound(account)
      throw wrapDriverError(error, { operation: 'SHOW GRANTS', account, secret: false })
    }
  }

  async accountExists(account: string): Promise<boolean> {
    assertAccountName(account)
    return this.#withConnection('accountExists', (connection) => this.#exists(connection, account))
  }

  async setPassword(account: string, password: string): Promise<void> {
    assertAccountName(account, this.#isReserved)
    assertPassword(password)
    this.#assertMutable(account)
    await this.#withConnection('setPassword', async (connection) => {
      if (!(await this.#exists(connection, account))) throw accountNotFound(account)
      await this.#alterPassword(connection, account, password, 'setPassword')
    })
  }

  async #alterPassword(
    connection: mysql.PoolConnection,
    account: string,
    password: string,
    operation: string,
  ): Promise<void> {
    try {
      await connection.query(`ALTER USER ${this.#account(account)} IDENTIFIED BY ?`, [password])
    } catch (error) {
      if (errnoOf(error) === ER_CANNOT_USER) throw accountNotFound(account)
      throw wrapDriverError(error, { operation, account, secret: true })
    }
  }

  async cloneAccount(source: string, clone: string, password: string): Promise<void> {
    assertCloneArguments(source, clone, password, this.#isReserved)
    this.#assertMutable(source)
    this.#assertMutable(clone)
    const operation = 'cloneAccount'
    const cloneGrantee = granteeToken(clone, ACCOUNT_HOST)
    await this.#withConnection(operation, async (connection) => {
      if (!(await this.#exists(connection, source))) throw accountNotFound(source)
      const sourceLines = await this.#showGrants(connection, source)
      const replay = replayOrder(
        sourceLines.map((l) => rewriteGrant(l, source, clone, ACCOUNT_HOST)),
      )

      if (!(await this.#exists(connection, clone))) {
        await this.#run(
          connection,
          `CREATE USER ${this.#account(clone)} IDENTIFIED BY ?`,
          [password],
          { operation, account: clone, secret: true },
        )
        try {
          for (const statement of replay) {
            await this.#run(connection, statement, [], { operation, account: clone })
          }
        } catch (error) {
          // A half-privileged clone would pass checkLogin yet fail the application: remove it.
          await connection.query(`DROP USER IF EXISTS ${this.#account(clone)}`).catch(() => {})
          throw error
        }
        return
      }

      // The clone exists (a retried first rotation): new password, then re-sync its grants.
      await this.#alterPassword(connection, clone, password, operation)
      const wanted = new Set(sourceLines.map((l) => normaliseGrant(l, source, ACCOUNT_HOST)))
      const present = (await this.#showGrants(connection, clone)).map((l) =>
        normaliseGrant(l, clone, ACCOUNT_HOST),
      )
      for (const line of present) {
        if (wanted.has(line)) continue
        for (const statement of revokeStatements(line, cloneGrantee)) {
          await this.#run(connection, statement, [], { operation, account: clone })
        }
      }
      for (const statement of replay) {
        await this.#run(connection, statement, [], { operation, account: clone })
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
    const operation = 'createAccount'
    await this.#withConnection(operation, async (connection) => {
      if (await this.#exists(connection, account)) {
        throw accountExists(account)
      }
      await this.#run(
        connection,
        `CREATE USER ${this.#account(account)} IDENTIFIED BY ?`,
        [password],
        { operation, account, secret: true },
      )
      try {
        for (const { database, privilege } of grants) {
          await this.#run(connection, `CREATE DATABASE IF NOT EXISTS \`${database}\``, [], {
            operation,
            account,
          })
          await this.#run(
            connection,
            `GRANT ${PRIVILEGES[privilege]} ON ${grantDatabasePattern(database)}.* TO ${this.#account(account)}`,
            [],
            { operation, account },
          )
        }
      } catch (error) {
        await connection.query(`DROP USER IF EXISTS ${this.#account(account)}`).catch(() => {})
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
    let connection: mysql.Connection | undefined
    try {
      connection = await mysql.createConnection({
        host: this.#config.host,
        port: this.#config.port,
        user: account,
        password,
        connectTimeout: this.#config.connectTimeoutMs,
      })
      connection.on('error', () => {})
      return true
    } catch (error) {
      const errno = errnoOf(error)
      if (
        errno !== undefined &&
        (ER_ACCESS_DENIED.includes(errno) ||
          ER_PASSWORD_EXPIRED.includes(errno) ||
          ER_ACCOUNT_LOCKED.includes(errno))
      ) {
        return false
      }
      throw wrapDriverError(error, { operation: 'checkLogin', account, secret: false })
    } finally {
      await connection?.end().catch(() => connection?.destroy())
    }
  }

  async describeGrants(account: string): Promise<string[]> {
    assertAccountName(account)
    return this.#withConnection('describeGrants', async (connection) => {
      const lines = await this.#showGrants(connection, account)
      return lines.map((line) => normaliseGrant(line, account, ACCOUNT_HOST)).sort()
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    const pool = this.#pool
    this.#pool = undefined
    await pool?.end()
  }
}
