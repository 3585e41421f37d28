import mysql from 'mysql2/promise'
import { randomName } from './random-name.js'

/** Where the local MariaDB service listens and how to log in as its administrator. */
export interface MariaDbOptions {
  /** @default process.env.MARIADB_HOST ?? '127.0.0.1' */
  host?: string
  /** @default Number(process.env.MARIADB_PORT ?? 3306) */
  port?: number
  /** @default process.env.MARIADB_USER ?? 'root' */
  user?: string
  /** @default process.env.MARIADB_PASSWORD ?? '' */
  password?: string
}

/** Helpers bound to one MariaDB server; everything they create is dropped by `cleanup()`. */
export interface MariaDbHelper {
  /** Server host the helper connects to. */
  readonly host: string
  /** Server port. */
  readonly port: number
  /** Administrator user of the admin connection. */
  readonly adminUser: string
  /** Administrator password (empty for the local service). */
  readonly adminPassword: string
  /** The shared admin connection (opened on first use, closed by `cleanup()`). */
  admin(): Promise<mysql.Connection>
  /** Runs a statement on the shared admin connection (opened on first use). */
  query(sql: string, values?: unknown[]): Promise<unknown>
  /** A fresh user name registered for cleanup (every `'name'@host` is dropped). Nothing is created. */
  uniqueUser(label?: string): string
  /** A fresh role name registered for cleanup (`DROP ROLE`). Nothing is created. */
  uniqueRole(label?: string): string
  /** A fresh database name registered for cleanup, for code under test to create. */
  uniqueDatabase(label?: string): string
  /** Registers a database created by other means for cleanup. */
  registerDatabase(name: string): void
  /** Creates an empty database with a unique name, registered for cleanup; resolves its name. */
  createIsolatedDatabase(label?: string): Promise<string>
  /** Drops every user and database registered so far and closes the admin connection. */
  cleanup(): Promise<void>
  /**
   * How many of the server threads `ids` are still open, polled until it is `expected` (a closed
   * socket takes a moment to end its thread) or about two seconds have passed.
   */
  openThreads(ids: readonly number[], expected: number): Promise<number>
}

function resolve(options: MariaDbOptions) {
  return {
    host: options.host ?? process.env.MARIADB_HOST ?? '127.0.0.1',
    port: options.port ?? Number(process.env.MARIADB_PORT ?? 3306),
    user: options.user ?? process.env.MARIADB_USER ?? 'root',
    password: options.password ?? process.env.MARIADB_PASSWORD ?? '',
  }
}

/**
 * Resolves when the MariaDB service accepts an admin login, rejects with the reason otherwise.
 * Pass it to `requireServer` / `describeWithServer`.
 *
 * @param options - where the server is; defaults to the local service
 */
export async function probeMariaDb(options: MariaDbOptions = {}): Promise<void> {
  const config = resolve(options)
  const connection = await mysql.createConnection({ ...config, connectTimeout: 3000 })
  connection.on('error', () => {})
  try {
    await connection.query('SELECT 1')
  } finally {
    await connection.end().catch(() => connection.destroy())
  }
}

/**
 * Helpers for tests against the local MariaDB service (127.0.0.1:3306, root, no password by
 * default). Names carry the per-run prefix of `randomName`, so parallel test files never collide.
 *
 * @param options - where the server is; defaults to the local service
 */
export function mariadb(options: MariaDbOptions = {}): MariaDbHelper {
  const config = resolve(options)
  const users = new Set<string>()
  const roles = new Set<string>()
  const databases = new Set<string>()
  let admin: Promise<mysql.Connection> | undefined

  const connect = (): Promise<mysql.Connection> => {
    admin ??= mysql.createConnection({ ...config, connectTimeout: 5000 }).then((connection) => {
      // Without a listener a server-side disconnect would crash the test process.
      connection.on('error', () => {})
      return connection
    })
    return admin
  }

  const query = async (sql: string, values?: unknown[]): Promise<unknown> => {
    const connection = await connect()
    const [rows] = await connection.query(sql, values)
    return rows
  }

  return {
    host: config.host,
    port: config.port,
    adminUser: config.user,
    adminPassword: config.password,
    admin: connect,
    query,
    uniqueUser(label = 'user') {
      const name = randomName(label)
      users.add(name)
      return name
    },
    async openThreads(ids, expected) {
      let open = 0
      for (let i = 0; i < 100; i++) {
        const rows = (await query(
          'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (?)',
          [ids],
        )) as Array<{ n: number }>
        open = Number(rows[0]?.n)
        if (open === expected) return open
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return open
    },
    uniqueRole(label = 'role') {
      const name = randomName(label)
      roles.add(name)
      return name
    },
    uniqueDatabase(label = 'db') {
      const name = randomName(label)
      databases.add(name)
      return name
    },
    registerDatabase(name) {
      databases.add(name)
    },
    async createIsolatedDatabase(label = 'db') {
      const name = randomName(label)
      databases.add(name)
      await query(`CREATE DATABASE \`${name}\``)
      return name
    },
    async cleanup() {
      if (users.size > 0 || roles.size > 0 || databases.size > 0) {
        for (const role of roles) await query(`DROP ROLE IF EXISTS \`${role}\``)
        // Clones are created by the code under test as `<name>_clone`: drop those too.
        const names = [...users].flatMap((user) => [user, `${user}_clone`])
        const rows = (await query(
          "SELECT User, Host FROM mysql.user WHERE User IN (?) AND Host <> ''",
          [names.length > 0 ? names : ['']],
        )) as Array<{ User: string; Host: string }>
        for (const row of rows) await query('DROP USER IF EXISTS ?@?', [row.User, row.Host])
        for (const database of databases) await query(`DROP DATABASE IF EXISTS \`${database}\``)
      }
      users.clear()
      roles.clear()
      databases.clear()
      const pending = admin
      admin = undefined
      if (pending) {
        const connection = await pending.catch(() => undefined)
        await connection?.end().catch(() => connection.destroy())
      }
    },
  }
}
