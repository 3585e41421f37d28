import pg from 'pg'
import type { ResolvedServerConfig } from './_resolve-config.js'
import { scramSha256Secret } from './_scram-secret.js'
import {
  assertAccountName,
  assertCloneArguments,
  assertGrants,
  assertNotAdmin,
  assertPassword,
} from './_validate.js'
import { wrapDriverError } from './_wrap-driver-error.js'
import type { AccountPrivilege, DatabaseEngine } from './database-engine.js'
import {
  accountExists,
  accountNotFound,
  DatabaseEngineError,
  engineClosed,
} from './database-engine-error.js'

interface PrivilegeSet {
  database: string
  schema: string
  tables?: string
  sequences?: string
}

// Modelled on the RDS console's "Create account" sets, applied to schema `public`.
const PRIVILEGES: Record<AccountPrivilege, PrivilegeSet> = {
  ReadWrite: {
    database: 'CONNECT, TEMPORARY',
    schema: 'USAGE, CREATE',
    tables: 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER',
    sequences: 'USAGE, SELECT, UPDATE',
  },
  ReadOnly: { database: 'CONNECT', schema: 'USAGE', tables: 'SELECT', sequences: 'SELECT' },
  DDLOnly: { database: 'CONNECT, TEMPORARY', schema: 'USAGE, CREATE' },
  DMLOnly: {
    database: 'CONNECT, TEMPORARY',
    schema: 'USAGE',
    tables: 'SELECT, INSERT, UPDATE, DELETE',
    sequences: 'USAGE, SELECT, UPDATE',
  },
}

const RESERVED_ACCOUNTS = new Set([
  'postgres',
  'public',
  'none',
  'current_user',
  'session_user',
  'current_role',
])
const TEMPLATE_DATABASES = new Set(['template0', 'template1'])

// SQLSTATEs the engine interprets.
const INVALID_PASSWORD = '28P01'
const INVALID_AUTHORIZATION = '28000'
const INSUFFICIENT_PRIVILEGE = '42501'
const UNDEFINED_OBJECT = '42704'
const DUPLICATE_DATABASE = '42P04'

const ident = (name: string) => pg.escapeIdentifier(name)

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

// Effective privileges (direct, through PUBLIC or inherited through membership) on the schemas,
// tables, views and sequences of the current database. System schemas are left out.
const OBJECT_PRIVILEGES_SQL = `
WITH r AS (SELECT $1::name AS role)
SELECT 'SCHEMA ' || n.nspname AS object,
  array_remove(ARRAY[
    CASE WHEN has_schema_privilege(r.role, n.oid, 'USAGE') THEN 'USAGE' END,
    CASE WHEN has_schema_privilege(r.role, n.oid, 'CREATE') THEN 'CREATE' END], NULL) AS privileges
FROM pg_namespace n, r
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
UNION ALL
SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || n.nspname || '.' || c.relname,
  CASE WHEN c.relkind = 'S' THEN array_remove(ARRAY[
    CASE WHEN has_sequence_privilege(r.role, c.oid, 'USAGE') THEN 'USAGE' END,
    CASE WHEN has_sequence_privilege(r.role, c.oid, 'SELECT') THEN 'SELECT' END,
    CASE WHEN has_sequence_privilege(r.role, c.oid, 'UPDATE') THEN 'UPDATE' END], NULL)
  ELSE array_remove(ARRAY[
    CASE WHEN has_table_privilege(r.role, c.oid, 'SELECT') THEN 'SELECT' END,
    CASE WHEN has_table_privilege(r.role, c.oid, 'INSERT') THEN 'INSERT' END,
    CASE WHEN has_table_privilege(r.role, c.oid, 'UPDATE') THEN 'UPDATE' END,
    CASE WHEN has_table_privilege(r.role, c.oid, 'DELETE') THEN 'DELETE' END,
    CASE WHEN has_table_privilege(r.role, c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
    CASE WHEN has_table_privilege(r.role, c.oid, 'REFERENCES') THEN 'REFERENCES' END,
    CASE WHEN has_table_privilege(r.role, c.oid, 'TRIGGER') THEN 'TRIGGER' END], NULL) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, r
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`

const DATABASE_PRIVILEGES_SQL = `
SELECT d.datname,
  array_remove(ARRAY[
    CASE WHEN has_database_privilege($1::name, d.oid, 'CONNECT') THEN 'CONNECT' END,
    CASE WHEN has_database_privilege($1::name, d.oid, 'CREATE') THEN 'CREATE' END,
    CASE WHEN has_database_privilege($1::name, d.oid, 'TEMPORARY') THEN 'TEMPORARY' END], NULL)
    AS privileges
FROM pg_database d WHERE NOT d.datistemplate AND d.datallowconn ORDER BY d.datname`

interface RoleRow {
  rolsuper: boolean
  rolinherit: boolean
  rolcreaterole: boolean
  rolcreatedb: boolean
  rolcanlogin: boolean
  rolreplication: boolean
  rolbypassrls: boolean
  rolconnlimit: number
}

/**
 * {@link DatabaseEngine} for PostgreSQL over `pg`. A clone is a LOGIN role that is a member of its
 * source (so it inherits every privilege the source has, in every database), with the source's
 * attributes, direct role memberships and database-level grants copied. Passwords are sent as
 * SCRAM-SHA-256 verifiers computed client-side where possible (see docs/database-engines.md).
 */
export class PostgresEngine implements DatabaseEngine {
  readonly kind = 'postgresql' as const
  // Private so `util.inspect(engine)` and `JSON.stringify` cannot show the admin password.
  readonly #config: ResolvedServerConfig
  #pool: pg.Pool | undefined
  readonly #prepared = new WeakSet<object>()
  #serverVersion: number | undefined
  #closed = false

  /** @param config - a resolved config of kind `postgresql` */
  constructor(config: ResolvedServerConfig) {
    this.#config = config
  }

  #isReserved = (name: string) => RESERVED_ACCOUNTS.has(name) || name.startsWith('pg_')

  #assertMutable(account: string): void {
    assertNotAdmin(account, this.#config.user, true)
  }

  #assertOpen(operation: string): void {
    if (this.#closed) {
      throw engineClosed(operation)
    }
  }

  #adminOptions(database: string): pg.ClientConfig {
    return {
      host: this.#config.host,
      port: this.#config.port,
      user: this.#config.user,
      password: this.#config.password,
      database,
      connectionTimeoutMillis: this.#config.connectTimeoutMs,
    }
  }

  #unavailable(operation: string, error: unknown): DatabaseEngineError {
    const wrapped = wrapDriverError(error, { operation, secret: false })
    return new DatabaseEngineError(
      'DATABASE_UNAVAILABLE',
      `${operation} failed: cannot open the admin connection to ${this.#config.host}:${this.#config.port} (${wrapped.serverCode ? `server error ${wrapped.serverCode}` : wrapped.message}).`,
      wrapped.serverCode,
    )
  }

  /** Runs `work` on one pooled admin connection to the admin database. */
  async #withClient<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#assertOpen(operation)
    this.#pool ??= this.#createPool()
    let client: pg.PoolClient
    try {
      client = await this.#pool.connect()
    } catch (error) {
      throw this.#unavailable(operation, error)
    }
    let failed = false
    try {
      if (!this.#prepared.has(client)) {
        // Server-side hashing (non-ASCII passwords) must produce SCRAM, never md5.
        await client.query("SET password_encryption = 'scram-sha-256'")
        this.#prepared.add(client)
      }
      return await work(client)
    } catch (error) {
      failed = true
      throw error
    } finally {
      // After a failure the session may be mid-transaction: discard it rather than reuse it.
      client.release(failed)
    }
  }

  /** Runs `work` on a short-lived admin connection to another database. */
  async #withDatabase<T>(
    operation: string,
    database: string,
    work: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    this.#assertOpen(operation)
    const client = new pg.Client(this.#adminOptions(database))
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (error) {
      await client.end().catch(() => {})
      throw this.#unavailable(operation, error)
    }
    try {
      return await work(client)
    } finally {
      await client.end().catch(() => {})
    }
  }

  #createPool(): pg.Pool {
    const pool = new pg.Pool({
      ...this.#adminOptions(this.#config.database),
      max: 2,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
    })
    // An idle client whose server went away is re-emitted here; unhandled it would crash.
    pool.on('error', () => {})
    return pool
  }

  async #query<R extends pg.QueryResultRow>(
    client: pg.ClientBase,
    sql: string,
    values: unknown[],
    context: { operation: string; account?: string; secret?: boolean },
  ): Promise<R[]> {
    try {
      return (await client.query<R>(sql, values)).rows
    } catch (error) {
      throw wrapDriverError(error, { ...context, secret: context.secret ?? false })
    }
  }

  async #transaction<T>(
    client: pg.ClientBase,
    operation: string,
    work: () => Promise<T>,
  ): Promise<T> {
    await this.#query(client, 'BEGIN', [], { operation })
    try {
      const result = await work()
      await this.#query(client, 'COMMIT', [], { operation })
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    }
  }

  async #version(client: pg.ClientBase): Promise<number> {
    if (this.#serverVersion === undefined) {
      const rows = await this.#query<{ v: string }>(client, 'SHOW server_version_num', [], {
        operation: 'server version',
      })
      this.#serverVersion = Number(rows[0]?.v ?? 0)
    }
    return this.#serverVersion
  }

  /** `PASSWORD '<literal>'`, preferably a client-side SCRAM verifier. */
  async #passwordClause(password: string): Promise<string> {
    return `PASSWORD ${pg.escapeLiteral((await scramSha256Secret(password)) ?? password)}`
  }

  async #role(client: pg.ClientBase, account: string): Promise<RoleRow | undefined> {
    const rows = await this.#query<RoleRow>(
      client,
      `SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
        rolbypassrls, rolconnlimit FROM pg_roles WHERE rolname = $1`,
      [account],
      { operation: 'read role', account },
    )
    return rows[0]
  }

  async accountExists(account: string): Promise<boolean> {
    assertAccountName(account)
    return this.#withClient('accountExists', async (client) => {
      return (await this.#role(client, account))?.rolcanlogin === true
    })
  }

  async setPassword(account: string, password: string): Promise<void> {
    assertAccountName(account, this.#isReserved)
    assertPassword(password)
    this.#assertMutable(account)
    const clause = await this.#passwordClause(password)
    await this.#withClient('setPassword', async (client) => {
      if ((await this.#role(client, account))?.rolcanlogin !== true) throw accountNotFound(account)
      try {
        await client.query(`ALTER ROLE ${ident(account)} ${clause}`)
      } catch (error) {
        if (codeOf(error) === UNDEFINED_OBJECT) throw accountNotFound(account)
        throw wrapDriverError(error, { operation: 'setPassword', account, secret: true })
      }
    })
  }

  async cloneAccount(source: string, clone: string, password: string): Promise<void> {
    assertCloneArguments(source, clone, password, this.#isReserved)
    this.#assertMutable(source)
    this.#assertMutable(clone)
    const operation = 'cloneAccount'
    const clause = await this.#passwordClause(password)
    const q = <R extends pg.QueryResultRow>(
      client: pg.ClientBase,
      sql: string,
      values: unknown[] = [],
    ) => this.#query<R>(client, sql, values, { operation, account: clone })

    await this.#withClient(operation, async (client) => {
      const modern = (await this.#version(client)) >= 160000
      await this.#transaction(client, operation, async () => {
        const attributes = await this.#role(client, source)
        if (attributes?.rolcanlogin !== true) throw accountNotFound(source)
        const exists = (await this.#role(client, clone)) !== undefined
        // Before PostgreSQL 16 inheritance is an attribute of the member: the clone needs INHERIT
        // to receive the source's privileges. From 16 on it is a property of the membership.
        const inherit = modern ? attributes.rolinherit : true
        const options = [
          'LOGIN',
          attributes.rolsuper ? 'SUPERUSER' : 'NOSUPERUSER',
          inherit ? 'INHERIT' : 'NOINHERIT',
          attributes.rolcreaterole ? 'CREATEROLE' : 'NOCREATEROLE',
          attributes.rolcreatedb ? 'CREATEDB' : 'NOCREATEDB',
          attributes.rolreplication ? 'REPLICATION' : 'NOREPLICATION',
          attributes.rolbypassrls ? 'BYPASSRLS' : 'NOBYPASSRLS',
          `CONNECTION LIMIT ${Math.trunc(attributes.rolconnlimit)}`,
        ].join(' ')
        try {
          await client.query(
            `${exists ? 'ALTER' : 'CREATE'} ROLE ${ident(clone)} WITH ${options} ${clause}`,
          )
        } catch (error) {
          throw wrapDriverError(error, { operation, account: clone, secret: true })
        }

        const memberships = await q<{
          rolname: string
          admin: boolean
          inh: boolean
          setopt: boolean
        }>(
          client,
          modern
            ? `SELECT r.rolname, bool_or(m.admin_option) AS admin, bool_or(m.inherit_option) AS inh,
                 bool_or(m.set_option) AS setopt
               FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
               WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) GROUP BY r.rolname`
            : `SELECT r.rolname, bool_or(m.admin_option) AS admin, true AS inh, true AS setopt
               FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
               WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) GROUP BY r.rolname`,
          [source],
        )
        const databaseGrants = await q<{
          datname: string
          privilege_type: string
          is_grantable: boolean
        }>(
          client,
          `SELECT d.datname, a.privilege_type, a.is_grantable
           FROM pg_database d, aclexplode(d.datacl) a
           WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)
           ORDER BY d.datname, a.privilege_type`,
          [source],
        )

        if (exists) {
          // Re-sync: drop memberships and database grants the source does not have.
          const wanted = new Set([source, ...memberships.map((m) => m.rolname)])
          const current = await q<{ rolname: string }>(
            client,
            `SELECT DISTINCT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
             WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
            [clone],
          )
          for (const { rolname } of current) {
            if (!wanted.has(rolname))
              await q(client, `REVOKE ${ident(rolname)} FROM ${ident(clone)}`)
          }
          const granted = await q<{ datname: string }>(
            client,
            `SELECT DISTINCT d.datname FROM pg_database d, aclexplode(d.datacl) a
             WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
            [clone],
          )
          for (const { datname } of granted) {
            await q(client, `REVOKE ALL ON DATABASE ${ident(datname)} FROM ${ident(clone)}`)
          }
        }

        // The membership in the source is what carries every schema/table privilege across.
        await q(
          client,
          `GRANT ${ident(source)} TO ${ident(clone)}${modern ? ' WITH INHERIT TRUE' : ''}`,
        )
        for (const m of memberships) {
          const withClause = modern
            ? ` WITH ADMIN ${m.admin}, INHERIT ${m.inh}, SET ${m.setopt}`
            : m.admin
              ? ' WITH ADMIN OPTION'
              : ''
          await q(client, `GRANT ${ident(m.rolname)} TO ${ident(clone)}${withClause}`)
        }
        for (const g of databaseGrants) {
          await q(
            client,
            `GRANT ${privilegeKeyword(g.privilege_type)} ON DATABASE ${ident(g.datname)} TO ${ident(clone)}${g.is_grantable ? ' WITH GRANT OPTION' : ''}`,
          )
        }
      })
    })
  }

  async createAccount(
    account: string,
    password: string,
    grants: ReadonlyArray<{ database: string; privilege: AccountPrivilege }>,
  ): Promise<void> {
    assertAccountName(account, this.#isReserved)
    assertPassword(password)
    assertGrants(grants, TEMPLATE_DATABASES)
    this.#assertMutable(account)
    const operation = 'createAccount'
    const clause = await this.#passwordClause(password)
    const touched = new Set<string>()
    await this.#withClient(operation, async (client) => {
      if ((await this.#role(client, account)) !== undefined) {
        throw accountExists(account)
      }
      try {
        await client.query(`CREATE ROLE ${ident(account)} WITH LOGIN ${clause}`)
      } catch (error) {
        throw wrapDriverError(error, { operation, account, secret: true })
      }
      try {
        for (const { database, privilege } of grants) {
          const set = PRIVILEGES[privilege]
          const found = await this.#query(
            client,
            'SELECT 1 FROM pg_database WHERE datname = $1',
            [database],
            {
              operation,
              account,
            },
          )
          if (found.length === 0) {
            try {
              await client.query(`CREATE DATABASE ${ident(database)}`)
            } catch (error) {
              if (codeOf(error) !== DUPLICATE_DATABASE) {
                throw wrapDriverError(error, { operation, account, secret: false })
              }
            }
          }
          touched.add(database)
          await this.#query(
            client,
            `GRANT ${set.database} ON DATABASE ${ident(database)} TO ${ident(account)}`,
            [],
            {
              operation,
              account,
            },
          )
          await this.#withDatabase(operation, database, (db) =>
            this.#transaction(db, operation, async () => {
              const run = (sql: string) => this.#query(db, sql, [], { operation, account })
              const to = ident(account)
              await run(`GRANT ${set.schema} ON SCHEMA public TO ${to}`)
              if (set.tables) {
                await run(`GRANT ${set.tables} ON ALL TABLES IN SCHEMA public TO ${to}`)
                await run(
                  `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${set.tables} ON TABLES TO ${to}`,
                )
              }
              if (set.sequences) {
                await run(`GRANT ${set.sequences} ON ALL SEQUENCES IN SCHEMA public TO ${to}`)
                await run(
                  `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${set.sequences} ON SEQUENCES TO ${to}`,
                )
              }
            }),
          )
        }
      } catch (error) {
        // Leave nothing half-created: privileges and default ACLs live per database.
        for (const database of touched) {
          await this.#withDatabase(operation, database, (db) =>
            db.query(`DROP OWNED BY ${ident(account)}`),
          ).catch(() => {})
        }
        await client.query(`DROP ROLE IF EXISTS ${ident(account)}`).catch(() => {})
        throw error
      }
    })
  }

  async checkLogin(account: string, password: string): Promise<boolean> {
    assertAccountName(account)
    if (typeof password !== 'string' || password.length === 0) return false
    this.#assertOpen('checkLogin')
    const client = new pg.Client({
      host: this.#config.host,
      port: this.#config.port,
      user: account,
      password,
      database: this.#config.database,
      connectionTimeoutMillis: this.#config.connectTimeoutMs,
    })
    client.on('error', () => {})
    try {
      await client.connect()
      return true
    } catch (error) {
      const code = codeOf(error)
      if (code === INVALID_PASSWORD || code === INVALID_AUTHORIZATION) return false
      // "permission denied for database" comes after a successful authentication.
      if (code === INSUFFICIENT_PRIVILEGE) return true
      throw wrapDriverError(error, { operation: 'checkLogin', account, secret: false })
    } finally {
      await client.end().catch(() => {})
    }
  }

  async describeGrants(account: string): Promise<string[]> {
    assertAccountName(account)
    const operation = 'describeGrants'
    const lines: string[] = []
    const databases = await this.#withClient(operation, async (client) => {
      const role = await this.#role(client, account)
      if (!role) throw accountNotFound(account)
      const attributes = [
        role.rolcanlogin && 'LOGIN',
        role.rolsuper && 'SUPERUSER',
        role.rolinherit && 'INHERIT',
        role.rolcreaterole && 'CREATEROLE',
        role.rolcreatedb && 'CREATEDB',
        role.rolreplication && 'REPLICATION',
        role.rolbypassrls && 'BYPASSRLS',
        `CONNECTION LIMIT ${role.rolconnlimit}`,
      ].filter(Boolean)
      lines.push(`ROLE {account}: ${attributes.join(', ')}`)
      // Group (NOLOGIN) roles whose privileges the account inherits. Login roles are left out: a
      // clone is a member of its source by construction, and what it gains from that shows below.
      const groups = await this.#query<{ rolname: string }>(
        client,
        `SELECT r.rolname FROM pg_roles r
         WHERE r.rolname <> $1 AND NOT r.rolcanlogin AND pg_has_role($1::name, r.oid, 'USAGE')`,
        [account],
        { operation, account },
      )
      for (const { rolname } of groups) lines.push(`INHERITS ${rolname}`)
      const rows = await this.#query<{ datname: string; privileges: string[] }>(
        client,
        DATABASE_PRIVILEGES_SQL,
        [account],
        { operation, account },
      )
      for (const row of rows) {
        if (row.privileges.length > 0) {
          lines.push(`DATABASE ${row.datname}: ${row.privileges.join(', ')}`)
        }
      }
      return rows.filter((row) => row.privileges.includes('CONNECT')).map((row) => row.datname)
    })
    // Schema and table privileges are per database: look into each one the account can enter.
    for (const database of databases) {
      const rows = await this.#withDatabase(operation, database, (db) =>
        this.#query<{ object: string; privileges: string[] }>(
          db,
          OBJECT_PRIVILEGES_SQL,
          [account],
          {
            operation,
            account,
          },
        ),
      )
      for (const row of rows) {
        if (row.privileges.length > 0) {
          lines.push(`${row.object.replace(' ', ` ${database}.`)}: ${row.privileges.join(', ')}`)
        }
      }
    }
    return lines.sort()
  }

  async close(): Promise<void> {
    this.#closed = true
    const pool = this.#pool
    this.#pool = undefined
    await pool?.end()
  }
}

/** `aclexplode` reports `TEMPORARY` as `TEMPORARY`; the other names are GRANT keywords already. */
function privilegeKeyword(privilegeType: string): string {
  if (!/^[A-Z ]+$/.test(privilegeType)) {
    throw new DatabaseEngineError('DATABASE_ERROR', 'Unexpected privilege type in pg_database.')
  }
  return privilegeType
}
