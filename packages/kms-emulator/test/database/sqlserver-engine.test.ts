import { inspect } from 'node:util'
import type Kms from '@alicloud/kms20160120'
import * as $Kms from '@alicloud/kms20160120'
import {
  printedPart,
  randomName,
  randomPassword,
  startTdsServer,
  tsqlString as str,
  type TdsServer,
} from '@org/test-support'
import tedious from 'tedious'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabaseEngine } from '../../src/database/create-database-engine.js'
import type { DatabaseEngine } from '../../src/database/database-engine.js'
import { DatabaseEngineError } from '../../src/database/database-engine-error.js'
import { type KmsEmulator, startKmsEmulator } from '../../src/index.js'
import { rawCall, sdkClient } from '../helpers/sdk-client.js'

type Connection = InstanceType<typeof tedious.Connection>
type Row = Record<string, unknown>

let server: TdsServer

/** Logs in with tedious (no engine); rejects with tedious's error, `number` = the server's. */
function login(user: string, password: string, database?: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const connection = new tedious.Connection({
      server: server.host,
      authentication: { type: 'default', options: { userName: user, password } },
      options: { port: server.port, encrypt: false, ...(database ? { database } : {}) },
    })
    let number: number | undefined
    connection.on('errorMessage', (token) => {
      number = token.number
    })
    connection.connect((error) =>
      error ? reject(Object.assign(error, { number })) : resolve(connection),
    )
  })
}

function batch(connection: Connection, sql: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const rows: Row[] = []
    const request = new tedious.Request(sql, (error) => (error ? reject(error) : resolve(rows)))
    request.on('row', (columns: Array<{ metadata: { colName: string }; value: unknown }>) => {
      rows.push(Object.fromEntries(columns.map((c) => [c.metadata.colName, c.value])))
    })
    connection.execSqlBatch(request)
  })
}

const close = (connection: Connection) =>
  new Promise<void>((resolve) => {
    connection.once('end', () => resolve())
    connection.close()
  })

/** Who `user` is once logged in with `password` (into `database`). */
async function whoAmI(user: string, password: string, database?: string): Promise<string> {
  const connection = await login(user, password, database)
  try {
    const rows = await batch(connection, 'SELECT SUSER_SNAME() AS me')
    return String(rows[0]?.me)
  } finally {
    await close(connection)
  }
}

let admin: Connection

async function createReader(account: string, password: string, database: string) {
  await batch(admin, `IF DB_ID(N'${database}') IS NULL CREATE DATABASE [${database}]`)
  await batch(admin, `CREATE LOGIN [${account}] WITH PASSWORD = ${str(password)}`)
  await batch(
    admin,
    `USE [${database}]; CREATE USER [${account}] FOR LOGIN [${account}]; ALTER ROLE [db_datareader] ADD MEMBER [${account}]; USE [master]`,
  )
}

beforeAll(async () => {
  server = await startTdsServer()
  admin = await login(server.adminLogin, server.adminPassword)
})
afterAll(async () => {
  await close(admin)
  await server.close()
})

const config = () => ({
  engine: 'sqlserver' as const,
  host: server.host,
  port: server.port,
  user: server.adminLogin,
  password: server.adminPassword,
})

describe('SqlServerEngine (T-SQL over tedious, against the test-only TDS server)', () => {
  let engine: DatabaseEngine
  const database = randomName('db')
  beforeAll(() => {
    engine = createDatabaseEngine(config())
  })
  afterAll(() => engine.close())

  it('setPassword: the old password fails and the new one works for new logins; an open session survives', async () => {
    const account = randomName('setpw')
    const oldPassword = randomPassword()
    const newPassword = randomPassword()
    await createReader(account, oldPassword, database)
    const open = await login(account, oldPassword, database)
    expect(await engine.checkLogin(account, oldPassword)).toBe(true)

    await engine.setPassword(account, newPassword)

    expect(await engine.checkLogin(account, oldPassword)).toBe(false)
    expect(await engine.checkLogin(account, newPassword)).toBe(true)
    await expect(login(account, oldPassword)).rejects.toMatchObject({
      code: 'ELOGIN',
      number: 18456,
    })
    expect(await whoAmI(account, newPassword, database)).toBe(account)
    expect(await batch(open, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    await close(open)
  })

  it("cloneAccount: a login with the source's database users and roles, idempotent", async () => {
    const source = randomName('src')
    const clone = `${source}_clone`
    await createReader(source, randomPassword(), database)
    const first = randomPassword()
    await engine.cloneAccount(source, clone, first)
    expect(await engine.describeGrants(clone)).toEqual(await engine.describeGrants(source))
    expect(await engine.describeGrants(source)).toEqual([
      `ROLE db_datareader ON ${database}`,
      `USER ON ${database}`,
    ])
    expect(await whoAmI(clone, first, database)).toBe(clone)
    // Again (a retried first rotation): a new password, the same roles.
    const second = randomPassword()
    await engine.cloneAccount(source, clone, second)
    expect(await engine.checkLogin(clone, first)).toBe(false)
    expect(await whoAmI(clone, second, database)).toBe(clone)
    expect(await engine.describeGrants(clone)).toEqual(await engine.describeGrants(source))
  })

  it('createAccount: the login, the database and the privilege’s roles', async () => {
    const account = randomName('created')
    const own = randomName('db')
    const password = randomPassword()
    await engine.createAccount(account, password, [{ database: own, privilege: 'DMLOnly' }])
    expect(await engine.accountExists(account)).toBe(true)
    expect(await engine.describeGrants(account)).toEqual([
      `ROLE db_datareader ON ${own}`,
      `ROLE db_datawriter ON ${own}`,
      `USER ON ${own}`,
    ])
    expect(await whoAmI(account, password, own)).toBe(account)
    const again = await engine.createAccount(account, password, []).catch((e: unknown) => e)
    expect(again).toBeInstanceOf(DatabaseEngineError)
    expect((again as DatabaseEngineError).code).toBe('ACCOUNT_EXISTS')
  })

  it('typed errors: an unknown account, the admin account, and never a password in them', async () => {
    const missing = randomName('missing')
    const secret = `S3cret-${randomPassword()}`
    const notFound = await engine.setPassword(missing, secret).catch((e: unknown) => e)
    expect(notFound).toBeInstanceOf(DatabaseEngineError)
    expect((notFound as DatabaseEngineError).code).toBe('ACCOUNT_NOT_FOUND')
    expect(inspect(notFound)).not.toContain(printedPart(secret))
    expect(await engine.accountExists(missing)).toBe(false)
    const protectedAdmin = await engine
      .setPassword(server.adminLogin === 'sa' ? 'SA' : server.adminLogin, secret)
      .catch((e: unknown) => e)
    expect((protectedAdmin as DatabaseEngineError).code).toMatch(
      /PROTECTED_ACCOUNT|INVALID_ACCOUNT_NAME/,
    )
    expect(inspect(engine)).not.toContain(printedPart(server.adminPassword))
  })

  it('an unreachable server is DATABASE_UNAVAILABLE, not a hang', async () => {
    const down = createDatabaseEngine({ ...config(), port: 1, connectTimeoutMs: 2_000 })
    const error = await down.accountExists('nobody').catch((e: unknown) => e)
    expect((error as DatabaseEngineError).code).toBe('DATABASE_UNAVAILABLE')
    await down.close()
  })
})

describe('Rds rotation on SQL Server through the emulator (official SDK)', () => {
  let emulator: KmsEmulator
  let client: Kms
  const database = randomName('db')
  type Credentials = { AccountName: string; AccountPassword: string }

  beforeAll(async () => {
    emulator = await startKmsEmulator({
      databases: { 'rm-mssql': config() },
      schedulerIntervalMs: 0,
    })
    client = sdkClient(emulator)
  })
  afterAll(() => emulator?.close())

  const createRds = (name: string, subType: string, accounts: unknown[], extra = {}) =>
    rawCall(client, 'CreateSecret', {
      SecretName: name,
      SecretType: 'Rds',
      SecretData: JSON.stringify({ Accounts: accounts }),
      ExtendedConfig: JSON.stringify({
        DBInstanceId: 'rm-mssql',
        SecretSubType: subType,
        ...extra,
      }),
    })
  const rotate = (name: string) => rawCall(client, 'RotateSecret', { SecretName: name })
  const value = async (name: string, versionStage = 'ACSCurrent'): Promise<Credentials> => {
    const response = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: name, versionStage }),
    )
    return JSON.parse(response.secretData ?? '') as Credentials
  }

  it('SingleUser: ALTER LOGIN — the old password fails, the new one logs in', async () => {
    const account = randomName('single')
    const password = randomPassword()
    await createReader(account, password, database)
    const name = `db/${account}`
    await createRds(name, 'SingleUser', [{ AccountName: account, AccountPassword: password }])
    await rotate(name)
    const current = await value(name)
    expect(current.AccountName).toBe(account)
    expect(current.AccountPassword).not.toBe(password)
    await expect(login(account, password)).rejects.toMatchObject({ number: 18456 })
    expect(await whoAmI(account, current.AccountPassword, database)).toBe(account)
  })

  it('DoubleUsers: a clone login with the same roles; both work after one rotation, the oldest fails after two', async () => {
    const account = randomName('double')
    const password = randomPassword()
    await createReader(account, password, database)
    const name = `db/${account}`
    const original = { AccountName: account, AccountPassword: password }
    await createRds(name, 'DoubleUsers', [original])
    await rotate(name)
    const first = await value(name)
    expect(first.AccountName).toBe(`${account}_clone`)
    expect(await whoAmI(account, password, database)).toBe(account)
    expect(await whoAmI(first.AccountName, first.AccountPassword, database)).toBe(first.AccountName)
    await rotate(name)
    const second = await value(name)
    expect(second.AccountName).toBe(account)
    expect(await value(name, 'ACSPrevious')).toEqual(first)
    await expect(login(account, password)).rejects.toMatchObject({ number: 18456 })
    expect(await whoAmI(second.AccountName, second.AccountPassword, database)).toBe(account)
  })

  it('"Create account" creates a real login whose secret logs in', async () => {
    const account = randomName('created')
    const own = randomName('db')
    const name = `db/${account}`
    await createRds(name, 'SingleUser', [{ AccountName: account }], {
      CreateAccount: true,
      Databases: [{ DBName: own, Privilege: 'ReadOnly' }],
    })
    const created = await value(name)
    expect(await whoAmI(account, created.AccountPassword, own)).toBe(account)
  })
})
