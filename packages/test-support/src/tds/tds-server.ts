import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { SERVER_PRODUCT } from './authenticate.js'
import { Catalog } from './catalog.js'
import type { Session } from './session.js'
import { type ConnectionHost, TdsConnection } from './tds-connection.js'

/** Options of {@link startTdsServer}. */
export interface TdsServerOptions {
  /**
   * Logins created at start: name → password. The admin login is always created (and may not be
   * listed here).
   * @default {}
   */
  logins?: Record<string, string>
  /** Name of the admin login (sysadmin, user `dbo` in every database). @default 'sa' */
  adminLogin?: string
  /** Password of the admin login. @default a random password */
  adminPassword?: string
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  port?: number
}

/** Counters of a {@link TdsServer}. */
export interface TdsServerStats {
  /** Logins accepted. */
  loginsAccepted: number
  /** Logins refused (error 18456). */
  loginsRejected: number
  /** SQL batches and RPCs answered (transaction-manager requests and attentions not counted). */
  requests: number
}

/** A running test TDS server. */
export interface TdsServer {
  /** Always `'127.0.0.1'`: the server listens on loopback only. */
  readonly host: '127.0.0.1'
  readonly port: number
  readonly adminLogin: string
  readonly adminPassword: string
  /** Open sessions (logged-in connections), optionally of one login (case-insensitive). */
  sessionCount(login?: string): number
  /** Closes every session of a login from the server side (socket destroyed); returns how many. */
  killSessions(login: string): number
  /** Counters: logins accepted, logins rejected, requests (batches + RPCs) answered. */
  stats(): TdsServerStats
  /** Stops listening and destroys every open socket; resolves when closed. Safe to call twice. */
  close(): Promise<void>
}

/** User sessions start at 51 on SQL Server (lower SPIDs are system sessions). */
const FIRST_SPID = 51
const MAX_SPID = 32_767

/**
 * Starts a test-only server that speaks TDS 7.4 (MS-TDS) to the real `tedious` driver (18.x,
 * 19.x) and to node-mssql on top of it, for tests of code that manages SQL Server logins,
 * databases, users and sessions where no SQL Server can run.
 *
 * What it implements:
 * - PRELOGIN (ENCRYPTION = NOT_SUP: clients go on in clear text even with `encrypt: true`),
 *   LOGIN7 with SQL authentication (error 18456 on failure, 4060 for a database it cannot open),
 *   packet framing and reassembly, packet size negotiation.
 * - SQL batches, RPC `sp_executesql` (parameters bound as literals; `sp_reset_connection`
 *   accepted; any other procedure fails with 2812), transaction-manager requests (begin, commit,
 *   rollback, save), ATTENTION (cancels a running `WAITFOR DELAY`), RESETCONNECTION.
 * - A fixed T-SQL subset over an in-memory catalog of logins, databases, users and fixed-role
 *   memberships: `SELECT` of literals and built-ins (`SUSER_SNAME()`, `DB_NAME()`, `@@SPID`,
 *   `@@TRANCOUNT`, `SUSER_ID()`, `DB_ID()`…), `SELECT … FROM` `sys.sql_logins`,
 *   `sys.databases`, `sys.database_principals`, `sys.dm_exec_sessions` and the
 *   `sys.database_role_members` join; `CREATE/ALTER/DROP LOGIN`, `CREATE/DROP DATABASE`, `USE`,
 *   `CREATE/DROP USER`, `ALTER ROLE … ADD/DROP MEMBER`, `KILL`, `WAITFOR DELAY`,
 *   `BEGIN/COMMIT/ROLLBACK/SAVE TRAN`, `IF <condition> <statement>`, and any `SET`. Errors use
 *   SQL Server's numbers and wording; anything else is error 102. See `docs/tds-test-server.md`.
 *
 * What it does not: TLS and TDS 8 (`encrypt: 'strict'`), NTLM/Kerberos/Entra authentication,
 * MARS, bulk load, tables and DML, variables (`DECLARE`), stored procedures, output parameters,
 * transactions that undo anything (they only track `@@TRANCOUNT` and descriptors), and any SQL
 * outside the subset.
 *
 * @param options - logins to create, the admin login, the port
 */
export async function startTdsServer(options: TdsServerOptions = {}): Promise<TdsServer> {
  const adminLogin = options.adminLogin ?? 'sa'
  const adminPassword = options.adminPassword ?? `A1!${randomBytes(16).toString('hex')}`
  const catalog = new Catalog(adminLogin, adminPassword)
  for (const [name, password] of Object.entries(options.logins ?? {})) {
    if (catalog.findLogin(name)) {
      throw new TypeError(`logins must not name the admin login '${name}': use adminPassword`)
    }
    catalog.createLogin(name, password)
  }
  const connections = new Map<number, TdsConnection>()
  const counters: TdsServerStats = { loginsAccepted: 0, loginsRejected: 0, requests: 0 }
  let descriptor = 0n
  let nextSpid = FIRST_SPID

  const sessions = function* (): Generator<Session> {
    for (const connection of connections.values()) {
      if (connection.session) yield connection.session
    }
  }
  const host: ConnectionHost = {
    catalog,
    serverName: 'TDSTEST',
    versionText: `Microsoft SQL Server 2022 (RTM) - ${SERVER_PRODUCT.version.join('.')}.6 (X64) \n\tTDS test server (@org/test-support)\n`,
    sessions,
    kill(spid) {
      const connection = connections.get(spid)
      if (!connection?.session) return false
      connection.destroy()
      return true
    },
    newTransactionDescriptor() {
      descriptor += 1n
      const bytes = Buffer.alloc(8)
      bytes.writeBigUInt64LE(descriptor, 0)
      return bytes
    },
    loggedIn(_connection, session) {
      if (session) counters.loginsAccepted += 1
      else counters.loginsRejected += 1
    },
    answered() {
      counters.requests += 1
    },
    closed(connection) {
      if (connections.get(connection.spid) === connection) connections.delete(connection.spid)
    },
  }

  /** The next SPID not in use, wrapping after 32767 like a long-running server. */
  const allocateSpid = (): number | undefined => {
    for (let tries = 0; tries <= MAX_SPID - FIRST_SPID; tries++) {
      const spid = nextSpid
      nextSpid = nextSpid >= MAX_SPID ? FIRST_SPID : nextSpid + 1
      if (!connections.has(spid)) return spid
    }
    return undefined
  }

  const server = createServer((socket) => {
    const spid = allocateSpid()
    if (spid === undefined) {
      socket.destroy()
      return
    }
    connections.set(spid, new TdsConnection(socket, spid, host))
  })
  // Hundreds of clients may connect in the same tick.
  server.maxConnections = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: options.port ?? 0, host: '127.0.0.1', backlog: 1024 }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
  let closing: Promise<void> | undefined

  return {
    host: '127.0.0.1',
    port,
    adminLogin,
    adminPassword,
    sessionCount(login) {
      let count = 0
      for (const session of sessions()) {
        if (login === undefined || same(session.login.name, login)) count += 1
      }
      return count
    },
    killSessions(login) {
      let count = 0
      for (const connection of [...connections.values()]) {
        if (connection.session && same(connection.session.login.name, login)) {
          connection.destroy()
          count += 1
        }
      }
      return count
    },
    stats: () => ({ ...counters }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const connection of connections.values()) connection.destroy()
        connections.clear()
      })
      return closing
    },
  }
}
