import type { SecretCacheClient } from '@org/secret-client'
import secretMariadb from '@org/secret-mariadb'
import secretMysql from '@org/secret-mysql/promise'
import { Pool as SecretPgPool } from '@org/secret-pg'
import { mariadb as mariadbHelper, type PgServer, startPostgres } from '@org/test-support'

/** The databases the demo can run against. */
export const DEMO_DATABASES = ['postgres', 'mariadb', 'mysql'] as const

/** One of {@link DEMO_DATABASES}. */
export type DemoDatabaseName = (typeof DEMO_DATABASES)[number]

/** A pool of the rotation-aware driver, reduced to what the workers need. */
export interface DemoPool {
  /** Runs one query and resolves with the database account it ran as. */
  whoami(): Promise<string>
  end(): Promise<void>
}

/** A database server the emulator rotates accounts on, and the driver the workers query with. */
export interface DemoDatabase {
  readonly name: DemoDatabaseName
  /** The package the workers query through. */
  readonly driver: string
  /** Where the server is, for the live view. */
  readonly where: string
  /** The emulator's `databases` entry for this server (its admin login). */
  readonly emulatorDatabase: Record<string, unknown>
  /** A pool reading its credentials from `secretName`. */
  openPool(args: {
    secretName: string
    secretClient: SecretCacheClient
    database: string
    size: number
  }): DemoPool
  /**
   * Drops what the demo created: `accounts` (each with its `_clone`) and `databases`; an embedded
   * server is removed altogether.
   */
  close(created: { accounts: string[]; databases: string[] }): Promise<void>
}

/**
 * Opens the demo's database: an embedded PostgreSQL started for the run (no service needed, the
 * default), or the MariaDB server at `MARIADB_HOST`/`MARIADB_PORT` (default `127.0.0.1:3306`,
 * `root` without a password unless `MARIADB_USER`/`MARIADB_PASSWORD` say otherwise) queried through
 * `@org/secret-mariadb` (`mariadb`) or `@org/secret-mysql` (`mysql`).
 */
export async function openDemoDatabase(name: DemoDatabaseName): Promise<DemoDatabase> {
  return name === 'postgres' ? openPostgres() : openMariaDb(name)
}

async function openPostgres(): Promise<DemoDatabase> {
  const server: PgServer = await startPostgres()
  return {
    name: 'postgres',
    driver: '@org/secret-pg',
    where: `embedded PostgreSQL on ${server.host}:${server.port}`,
    emulatorDatabase: {
      engine: 'postgresql',
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    },
    openPool({ secretName, secretClient, database, size }) {
      const pool = new SecretPgPool({
        secretName,
        secretClient,
        host: server.host,
        port: server.port,
        database,
        max: size,
        // Connections retire after a few queries, so new logins keep happening through the
        // rotations (a long-lived pool would hide the single-account window).
        maxUses: 40,
        idleTimeoutMillis: 1_000,
      })
      // pg's pool reports an idle client the server closed (57P01 when a rotation or the
      // server's shutdown ends its session) on 'error', and without a listener that error ends
      // the process, as pg documents. No query was running on it; the pool drops that client.
      pool.on('error', () => {})
      return {
        async whoami() {
          const { rows } = await pool.query<{ who: string }>('SELECT current_user AS who')
          return rows[0]?.who ?? ''
        },
        end: () => pool.end(),
      }
    },
    // The whole cluster (accounts and databases) is removed with its data directory.
    close: () => server.stop(),
  }
}

async function openMariaDb(name: 'mariadb' | 'mysql'): Promise<DemoDatabase> {
  const admin = mariadbHelper()
  // Fails here, with the server's own error, when no server answers.
  await admin.admin()
  const location = { host: admin.host, port: admin.port }
  const driver = name === 'mariadb' ? '@org/secret-mariadb' : '@org/secret-mysql'
  const connectorOf = name === 'mariadb' ? mariadbPool : mysqlPool
  return {
    name,
    driver,
    where: `MariaDB on ${admin.host}:${admin.port}`,
    emulatorDatabase: {
      engine: 'mariadb',
      ...location,
      user: admin.adminUser,
      password: admin.adminPassword,
    },
    openPool: (args) => connectorOf({ ...args, ...location }),
    async close({ accounts, databases }) {
      try {
        for (const account of accounts) {
          await admin.query(`DROP USER IF EXISTS ?@'%', ?@'%'`, [account, `${account}_clone`])
        }
        for (const database of databases) {
          await admin.query(`DROP DATABASE IF EXISTS \`${database.replaceAll('`', '``')}\``)
        }
      } finally {
        await admin.cleanup()
      }
    },
  }
}

type PoolArgs = Parameters<DemoDatabase['openPool']>[0] & { host: string; port: number }

const accountOf = (currentUser: unknown): string => String(currentUser).split('@')[0] ?? ''

/**
 * The connector's pool keeps its connections as long as they are busy (it has no max-uses
 * option): under dual-account rotation it stays on the account it logged in with, which stays
 * valid — the zero-downtime case — and the live view's account changes only with new logins.
 */
function mariadbPool(args: PoolArgs): DemoPool {
  const { secretName, secretClient, host, port, database, size } = args
  const pool = secretMariadb.createPool({
    secretName,
    secretClient,
    host,
    port,
    database,
    connectionLimit: size,
  })
  return {
    async whoami() {
      const rows = await pool.query('SELECT CURRENT_USER() AS me')
      return accountOf((rows as Array<{ me: string }>)[0]?.me)
    },
    end: () => pool.end(),
  }
}

function mysqlPool(args: PoolArgs): DemoPool {
  const { secretName, secretClient, host, port, database, size } = args
  const pool = secretMysql.createPool({
    secretName,
    secretClient,
    host,
    port,
    database,
    connectionLimit: size,
    // A released connection is closed soon, so new logins keep happening through the rotations.
    maxIdle: 0,
    idleTimeout: 200,
  })
  return {
    async whoami() {
      const [rows] = await pool.query('SELECT CURRENT_USER() AS me')
      return accountOf((rows as Array<{ me: string }>)[0]?.me)
    },
    end: () => pool.end(),
  }
}
