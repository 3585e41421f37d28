import {
  type FaultInjector,
  type FaultRule,
  type KmsEmulator,
  type RotationFaultRule,
  startKmsEmulator,
} from '@org/kms-emulator'
import { SecretCacheClient, type SecretCacheClientOptions } from '@org/secret-client'
import {
  type MariaDbHelper,
  mariadb,
  type PgServer,
  pgIdentifier,
  pgLiteral,
  randomName,
  randomPassword,
  startPostgres,
  startTdsServer,
  type TdsServer,
  tsqlIdentifier,
  tsqlString,
} from '@org/test-support'
import { createOwnedLogin, openSqlServerAdmin } from './sqlserver-admin.js'

/**
 * Engines the fixture can stand up a rotated account on: the local MariaDB, a private embedded
 * PostgreSQL, or a private test-only TDS server standing in for SQL Server.
 */
export type FixtureEngine = 'mariadb' | 'postgresql' | 'sqlserver'

/** Rotation flavour of an Rds secret. */
export type FixtureSubType = 'SingleUser' | 'DoubleUsers'

/** Options of {@link startEmulatorFixture}. */
export interface EmulatorFixtureOptions {
  /**
   * Which server holds the account: the local MariaDB, a private embedded PostgreSQL, or a private
   * test-only TDS server (no SQL Server can run here).
   */
  engine: FixtureEngine
  /**
   * `minRefreshIntervalMs` of the clients the fixture creates: small, so a test sees several
   * forced refreshes within a few seconds.
   * @default 200
   */
  minRefreshIntervalMs?: number
  /**
   * Scheduler tick of the emulator, in ms: it closes rotation-fault windows, so it bounds how
   * late a window ends.
   * @default 50
   */
  schedulerIntervalMs?: number
}

/** One password-authenticated account, its isolated database and the Rds secret managing it. */
export interface FixtureSecret {
  /** Name of the Rds secret. */
  readonly secretName: string
  /** The account the secret was created for (DoubleUsers rotation adds `<account>_clone`). */
  readonly account: string
  /** A database only this account (and its clone) may use. */
  readonly database: string
  readonly subType: FixtureSubType
}

/** A running emulator with real accounts; everything is removed by {@link EmulatorFixture.close}. */
export interface EmulatorFixture {
  readonly engine: FixtureEngine
  readonly emulator: KmsEmulator
  /** Fault injection of the emulator (API faults and rotation faults). */
  readonly faults: FaultInjector
  /** Where the database server listens. */
  readonly host: string
  readonly port: number
  /**
   * A secret client pointed at the emulator, with a small `minRefreshIntervalMs`. Shared by the
   * tests of one file; use {@link EmulatorFixture.newClient} for counts that must start cold.
   */
  readonly secretClient: SecretCacheClient
  /**
   * Creates an account with a random password, an isolated database it owns, and an Rds secret
   * for it (not audited, so it costs no API call in the counters).
   * @default subType 'SingleUser'
   */
  createSecret(subType?: FixtureSubType): Promise<FixtureSecret>
  /**
   * A further client pointed at the emulator (closed by `close()`); options override the
   * fixture's, and an option given as `undefined` gets the client's own default (e.g.
   * `{ minRefreshIntervalMs: undefined }` for its 5 s).
   */
  newClient(options?: SecretCacheClientOptions): Promise<SecretCacheClient>
  /** Rotates a secret now (in-process: not counted as an API call). */
  rotate(secretName: string): Promise<{ versionId: string }>
  /** GetSecretValue calls the emulator answered so far (any result). */
  getSecretValueCalls(): number
  /** Adds an API fault (e.g. `{ action: 'GetSecretValue', error: 'ServiceUnavailableTemporary' }`). */
  injectFault(rule: FaultRule): number
  /** Adds a rotation fault. */
  injectRotationFault(rule: RotationFaultRule): number
  /** Removes every fault. */
  clearFaults(): void
  /**
   * Sets the account's password in the database behind the emulator's back, so the secret is
   * wrong for good.
   */
  breakPassword(account: string): Promise<void>
  /** Open sessions of `account` (and its clone) on the server, as the admin sees them. */
  sessionCount(account: string): Promise<number>
  /**
   * Ends every session of `account` (and its clone) from the server side, as an administrator or
   * a failover would; resolves how many were ended.
   */
  killSessions(account: string): Promise<number>
  /**
   * Makes sure the server accepts `connections` more sessions than the usual test load. MariaDB's
   * default limit (151) is below a 200-connection storm: its `max_connections` is raised (never
   * lowered, as parallel test files may rely on it; it resets when the service restarts).
   * PostgreSQL's is fixed at start-up: a lower limit is an error naming the flag to pass.
   */
  ensureConnectionCapacity(connections: number): Promise<void>
  /** Closes the clients and the emulator, drops every account and database, stops PostgreSQL. */
  close(): Promise<void>
}

/** Admin access to the server behind the fixture, one implementation per engine. */
interface ServerAdmin {
  host: string
  port: number
  databaseConfig: Record<string, unknown>
  /** A fresh account name and database name, registered for cleanup. */
  names(label: string): { account: string; database: string }
  createAccount(account: string, password: string, database: string): Promise<void>
  setPassword(account: string, password: string): Promise<void>
  sessionCount(account: string): Promise<number>
  killSessions(account: string): Promise<number>
  ensureConnectionCapacity(connections: number): Promise<void>
  close(): Promise<void>
}

function mariaAdmin(helper: MariaDbHelper): ServerAdmin {
  return {
    host: helper.host,
    port: helper.port,
    databaseConfig: {
      engine: 'mariadb',
      host: helper.host,
      port: helper.port,
      user: helper.adminUser,
      password: helper.adminPassword,
    },
    // Registered before creation, so cleanup() drops them (and `<account>_clone`) on failure too.
    names: (label) => ({ account: helper.uniqueUser(label), database: helper.uniqueDatabase() }),
    async createAccount(account, password, database) {
      await helper.query(`CREATE DATABASE \`${database}\``)
      await helper.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
      await helper.query(`GRANT ALL ON \`${database}\`.* TO ?@'%'`, [account])
    },
    async setPassword(account, password) {
      await helper.query("ALTER USER ?@'%' IDENTIFIED BY ?", [account, password])
    },
    async sessionCount(account) {
      const rows = (await helper.query(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER IN (?, ?)',
        [account, `${account}_clone`],
      )) as Array<{ n: number | string }>
      return Number(rows[0]?.n ?? 0)
    },
    async killSessions(account) {
      const rows = (await helper.query(
        'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER IN (?, ?)',
        [account, `${account}_clone`],
      )) as Array<{ id: number }>
      let killed = 0
      for (const { id } of rows) {
        // A session may end by itself between the listing and the kill (error 1094).
        await helper.query('KILL CONNECTION ?', [id]).then(
          () => killed++,
          () => undefined,
        )
      }
      return killed
    },
    async ensureConnectionCapacity(connections) {
      await helper.query('SET GLOBAL max_connections = GREATEST(@@GLOBAL.max_connections, ?)', [
        connections,
      ])
    },
    close: () => helper.cleanup(),
  }
}

function pgAdmin(server: PgServer): ServerAdmin {
  const id = pgIdentifier
  return {
    host: server.host,
    port: server.port,
    databaseConfig: {
      engine: 'postgresql',
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    },
    names: (label) => ({ account: randomName(label), database: randomName('db') }),
    async createAccount(account, password, database) {
      await server.query(`CREATE ROLE ${id(account)} LOGIN PASSWORD ${pgLiteral(password)}`)
      await server.query(`CREATE DATABASE ${id(database)} OWNER ${id(account)}`)
    },
    async setPassword(account, password) {
      await server.query(`ALTER ROLE ${id(account)} PASSWORD ${pgLiteral(password)}`)
    },
    async sessionCount(account) {
      const rows = await server.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM pg_stat_activity WHERE usename = ANY($1)',
        [[account, `${account}_clone`]],
      )
      return Number(rows[0]?.n ?? 0)
    },
    async killSessions(account) {
      const rows = await server.query<{ ended: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE usename = ANY($1)',
        [[account, `${account}_clone`]],
      )
      return rows.filter((r) => r.ended).length
    },
    async ensureConnectionCapacity(connections) {
      const rows = await server.query<{ max_connections: string }>('SHOW max_connections')
      const limit = Number(rows[0]?.max_connections ?? 0)
      if (limit < connections) {
        throw new Error(
          `embedded PostgreSQL allows ${limit} connections, the test needs ${connections}: start it with -c max_connections=${connections}`,
        )
      }
    },
    // Every role and database lives in the private cluster, which stop() removes.
    close: () => server.stop(),
  }
}

async function sqlServerAdmin(server: TdsServer): Promise<ServerAdmin> {
  const admin = await openSqlServerAdmin({
    host: server.host,
    port: server.port,
    user: server.adminLogin,
    password: server.adminPassword,
  }).catch(async (error: unknown) => {
    await server.close()
    throw error
  })
  const id = tsqlIdentifier
  const str = tsqlString
  return {
    host: server.host,
    port: server.port,
    databaseConfig: {
      engine: 'sqlserver',
      host: server.host,
      port: server.port,
      user: server.adminLogin,
      password: server.adminPassword,
    },
    names: (label) => ({ account: randomName(label), database: randomName('db') }),
    createAccount: (account, password, database) =>
      createOwnedLogin(admin, account, password, database),
    async setPassword(account, password) {
      await admin.query(`ALTER LOGIN ${id(account)} WITH PASSWORD = ${str(password)}`)
    },
    async sessionCount(account) {
      const rows = await admin.query(
        `SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE login_name IN (${str(account)}, ${str(`${account}_clone`)})`,
      )
      return Number(rows[0]?.n ?? 0)
    },
    killSessions: async (account) =>
      server.killSessions(account) + server.killSessions(`${account}_clone`),
    // The test server takes as many sessions as the process can hold.
    ensureConnectionCapacity: async () => {},
    // Every login and database lives in the private server, which close() discards.
    async close() {
      await admin.close()
      await server.close()
    },
  }
}

/**
 * Starts a KMS emulator that manages accounts on a server (the local MariaDB, a private embedded
 * PostgreSQL or a private test-only TDS server it starts), plus a {@link SecretCacheClient} pointed at it. Tests create
 * secrets with {@link EmulatorFixture.createSecret}, rotate them, read the emulator's
 * GetSecretValue counter and inject faults. Call `close()` in `afterAll`.
 */
export async function startEmulatorFixture(
  options: EmulatorFixtureOptions,
): Promise<EmulatorFixture> {
  const admin =
    options.engine === 'mariadb'
      ? mariaAdmin(mariadb())
      : options.engine === 'sqlserver'
        ? await sqlServerAdmin(await startTdsServer())
        : // Room for the conformance suite's auth storm (200 at once, plus headroom).
          pgAdmin(await startPostgres({ maxConnections: 400 }))
  const clients: SecretCacheClient[] = []
  let emulator: KmsEmulator
  try {
    emulator = await startKmsEmulator({
      databases: { 'rm-local': admin.databaseConfig as never },
      schedulerIntervalMs: options.schedulerIntervalMs ?? 50,
      allowShortRotationInterval: true,
    })
  } catch (error) {
    await admin.close()
    throw error
  }
  const running = emulator
  const baseOptions: SecretCacheClientOptions = {
    endpoint: running.endpoint,
    regionId: running.regionId,
    credential: { accessKeyId: running.accessKeyId, accessKeySecret: running.accessKeySecret },
    minRefreshIntervalMs: options.minRefreshIntervalMs ?? 200,
    // The emulator runs in the test's own process: during an auth storm (200 SCRAM logins, whose
    // key derivation blocks the event loop in older pg) its answer can take seconds, and a retried
    // read would count as a second GetSecretValue.
    timeoutMs: 10_000,
    retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
  }
  const newClient = async (overrides: SecretCacheClientOptions = {}) => {
    const client = new SecretCacheClient({ ...baseOptions, ...overrides })
    clients.push(client)
    return client
  }
  const secretClient = await newClient()
  let closed: Promise<void> | undefined

  return {
    engine: options.engine,
    emulator: running,
    faults: running.faults,
    host: admin.host,
    port: admin.port,
    secretClient,
    async createSecret(subType = 'SingleUser') {
      const { account, database } = admin.names(subType === 'SingleUser' ? 'su' : 'du')
      const password = randomPassword()
      await admin.createAccount(account, password, database)
      const secretName = `db/${account}`
      await running.call('CreateSecret', {
        SecretName: secretName,
        SecretType: 'Rds',
        SecretData: JSON.stringify({
          Accounts: [{ AccountName: account, AccountPassword: password }],
        }),
        ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-local', SecretSubType: subType }),
      })
      return { secretName, account, database, subType }
    },
    newClient,
    rotate: (secretName) => running.rotateSecret(secretName),
    getSecretValueCalls: () => running.counters('GetSecretValue').calls,
    injectFault: (rule) => running.faults.inject(rule),
    injectRotationFault: (rule) => running.faults.injectRotation(rule),
    clearFaults: () => running.faults.clear(),
    breakPassword: (account) => admin.setPassword(account, randomPassword()),
    sessionCount: (account) => admin.sessionCount(account),
    killSessions: (account) => admin.killSessions(account),
    ensureConnectionCapacity: (connections) => admin.ensureConnectionCapacity(connections),
    close() {
      closed ??= (async () => {
        await Promise.allSettled(clients.map((client) => client.close()))
        await running.close()
        await admin.close()
      })()
      return closed
    },
  }
}
