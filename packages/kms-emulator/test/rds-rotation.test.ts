import type Kms from '@alicloud/kms20160120'
import * as $Kms from '@alicloud/kms20160120'
import {
  describeWithServer,
  mariadb,
  type PgServer,
  probeEmbeddedPostgres,
  probeMariaDb,
  randomPassword,
  startPostgres,
} from '@org/test-support'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createDatabaseEngine } from '../src/database/create-database-engine.js'
import type { DatabaseEngine, DatabaseServerConfig } from '../src/index.js'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { rawCall, sdkClient } from './helpers/sdk-client.js'

/** One real server seen from the rotation tests. */
interface Server {
  config: DatabaseServerConfig
  uniqueAccount(label: string): string
  uniqueDatabase(): string
  /** Database with table `items` (one row) that `createReader` accounts may read. */
  database: string
  createReader(account: string, password: string): Promise<void>
  createTable(database: string): Promise<void>
  rawQuery(user: string, password: string, database: string, sql: string): Promise<unknown[]>
  authError: Record<string, unknown>
  privilegeError: Record<string, unknown>
}

type Credentials = { AccountName: string; AccountPassword: string }

/**
 * End-to-end rotation through the official SDK (`@alicloud/kms20160120` 1.x) against the emulator
 * rotating accounts on a real server. RotateSecret is not in the 1.x models: it goes through the
 * client's `doRequest`.
 */
function rotationSuite(getServer: () => Server) {
  let server: Server
  let emulator: KmsEmulator
  let client: Kms
  let engine: DatabaseEngine

  beforeAll(async () => {
    server = getServer()
    emulator = await startKmsEmulator({
      databases: { 'rm-test': server.config },
      schedulerIntervalMs: 0,
    })
    client = sdkClient(emulator)
    engine = createDatabaseEngine(server.config)
  })
  afterAll(async () => {
    await emulator?.close()
    await engine?.close()
  })

  const createRds = (
    name: string,
    subType: 'SingleUser' | 'DoubleUsers',
    accounts: Array<Partial<Credentials>>,
    extra: Record<string, unknown> = {},
  ) =>
    rawCall(client, 'CreateSecret', {
      SecretName: name,
      SecretType: 'Rds',
      SecretData: JSON.stringify({ Accounts: accounts }),
      ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-test', SecretSubType: subType, ...extra }),
    })
  const rotate = (name: string) => rawCall(client, 'RotateSecret', { SecretName: name })
  const value = async (name: string, versionStage = 'ACSCurrent'): Promise<Credentials> => {
    const response = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: name, versionStage }),
    )
    return JSON.parse(response.secretData ?? '') as Credentials
  }
  const read = (c: Credentials) =>
    server.rawQuery(c.AccountName, c.AccountPassword, server.database, 'SELECT id FROM items')

  it('SingleUser: after RotateSecret the old password fails and the new one works', async () => {
    const account = server.uniqueAccount('single')
    const password = randomPassword()
    await server.createReader(account, password)
    const name = `db/${account}`
    await createRds(name, 'SingleUser', [{ AccountName: account, AccountPassword: password }])

    await rotate(name)

    const current = await value(name)
    expect(current.AccountName).toBe(account)
    expect(current.AccountPassword).not.toBe(password)
    await expect(
      server.rawQuery(account, password, server.database, 'SELECT 1'),
    ).rejects.toMatchObject(server.authError)
    expect(await read(current)).toEqual([{ id: 1 }])
    expect(await value(name, 'ACSPrevious')).toEqual({
      AccountName: account,
      AccountPassword: password,
    })
  })

  it('DoubleUsers: both credentials work after one rotation, the oldest fail after two', async () => {
    const account = server.uniqueAccount('double')
    const password = randomPassword()
    await server.createReader(account, password)
    const name = `db/${account}`
    const original = { AccountName: account, AccountPassword: password }
    await createRds(name, 'DoubleUsers', [original])

    await rotate(name)

    const first = await value(name)
    expect(first.AccountName).toBe(`${account}_clone`)
    expect(await value(name, 'ACSPrevious')).toEqual(original)
    expect(await read(original)).toEqual([{ id: 1 }])
    expect(await read(first)).toEqual([{ id: 1 }])
    // The clone has exactly the original's privileges: equal grants, and no write access.
    expect(await engine.describeGrants(first.AccountName)).toEqual(
      await engine.describeGrants(account),
    )
    await expect(
      server.rawQuery(
        first.AccountName,
        first.AccountPassword,
        server.database,
        'INSERT INTO items (id) VALUES (2)',
      ),
    ).rejects.toMatchObject(server.privilegeError)

    await rotate(name)

    const second = await value(name)
    expect(second.AccountName).toBe(account)
    expect(await value(name, 'ACSPrevious')).toEqual(first)
    expect(await read(second)).toEqual([{ id: 1 }])
    expect(await read(first)).toEqual([{ id: 1 }])
    await expect(
      server.rawQuery(account, password, server.database, 'SELECT 1'),
    ).rejects.toMatchObject(server.authError)
  })

  it('"Create account" creates a real ReadOnly account whose secret logs in', async () => {
    const account = server.uniqueAccount('created')
    const database = server.uniqueDatabase()
    const name = `db/${account}`
    await createRds(name, 'SingleUser', [{ AccountName: account }], {
      CreateAccount: true,
      Databases: [{ DBName: database, Privilege: 'ReadOnly' }],
    })
    await server.createTable(database)
    const created = await value(name)
    expect(created.AccountName).toBe(account)
    expect(
      await server.rawQuery(account, created.AccountPassword, database, 'SELECT id FROM items'),
    ).toEqual([{ id: 1 }])
    await expect(
      server.rawQuery(account, created.AccountPassword, database, 'INSERT INTO items VALUES (5)'),
    ).rejects.toMatchObject(server.privilegeError)
  })
}

const maria = mariadb()
let mariaDatabase = ''

await describeWithServer(
  'MariaDB at 127.0.0.1:3306',
  probeMariaDb,
  'Rds rotation on MariaDB',
  () => {
    const rawQuery = async (user: string, password: string, database: string, sql: string) => {
      const connection = await mysql.createConnection({
        host: maria.host,
        port: maria.port,
        user,
        password,
        database,
        connectTimeout: 5000,
      })
      connection.on('error', () => {})
      try {
        const [rows] = await connection.query(sql)
        return rows as unknown[]
      } finally {
        await connection.end()
      }
    }
    const createTable = async (database: string) => {
      await maria.query(`CREATE TABLE \`${database}\`.items (id INT PRIMARY KEY)`)
      await maria.query(`INSERT INTO \`${database}\`.items (id) VALUES (1)`)
    }
    beforeAll(async () => {
      mariaDatabase = await maria.createIsolatedDatabase()
      await createTable(mariaDatabase)
    })
    afterAll(() => maria.cleanup())

    rotationSuite(() => ({
      config: {
        engine: 'mariadb',
        host: maria.host,
        port: maria.port,
        user: maria.adminUser,
        password: maria.adminPassword,
      },
      uniqueAccount: (label) => maria.uniqueUser(label),
      uniqueDatabase: () => maria.uniqueDatabase(),
      database: mariaDatabase,
      async createReader(account, password) {
        await maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
        await maria.query(`GRANT SELECT ON \`${mariaDatabase}\`.items TO ?@'%'`, [account])
      },
      createTable,
      rawQuery,
      authError: { errno: 1045 },
      privilegeError: { errno: 1142 },
    }))
  },
)

let postgres: PgServer
let pgDatabase = ''

await describeWithServer(
  'embedded PostgreSQL',
  probeEmbeddedPostgres,
  'Rds rotation on PostgreSQL',
  () => {
    const q = (identifier: string) => pg.escapeIdentifier(identifier)
    const rawQuery = async (user: string, password: string, database: string, sql: string) => {
      const c = new pg.Client({
        host: postgres.host,
        port: postgres.port,
        user,
        password,
        database,
        connectionTimeoutMillis: 5000,
      })
      c.on('error', () => {})
      try {
        await c.connect()
        return (await c.query(sql)).rows as unknown[]
      } finally {
        await c.end().catch(() => {})
      }
    }
    const createTable = async (database: string) => {
      await postgres.query('CREATE TABLE items (id int PRIMARY KEY)', [], database)
      await postgres.query('INSERT INTO items (id) VALUES (1)', [], database)
    }
    beforeAll(async () => {
      postgres = await startPostgres()
      pgDatabase = await postgres.createIsolatedDatabase()
      await createTable(pgDatabase)
    })
    // Every role and database lives in the private cluster, which stop() removes.
    afterAll(() => postgres?.stop())

    rotationSuite(() => ({
      config: {
        engine: 'postgresql',
        host: postgres.host,
        port: postgres.port,
        user: postgres.adminUser,
        password: postgres.adminPassword,
      },
      uniqueAccount: (label) => postgres.uniqueRole(label),
      uniqueDatabase: () => postgres.uniqueRole('db'),
      database: pgDatabase,
      async createReader(account, password) {
        await postgres.query(
          `CREATE ROLE ${q(account)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`,
        )
        await postgres.query(`GRANT CONNECT ON DATABASE ${q(pgDatabase)} TO ${q(account)}`)
        await postgres.query(`GRANT SELECT ON items TO ${q(account)}`, [], pgDatabase)
      },
      createTable,
      rawQuery,
      authError: { code: '28P01' },
      privilegeError: { code: '42501' },
    }))
  },
)
