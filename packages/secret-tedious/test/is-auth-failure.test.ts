import { randomName, type TdsServer } from '@org/test-support'
import tedious from 'tedious'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Connection, isAuthFailure, isSecretClientError } from '../src/index.js'
import { ConnectionPool } from '../src/mssql.js'
import { startTdsAccount, type TdsAccount } from './tds-account.js'
import { closed, connected } from './tedious-helpers.js'

let tds: TdsAccount
let server: TdsServer
let account: string
let password: string
let database: string

/** A secret source that always answers the same account (version `v1`). */
const fixedSecret = (username: string, secretPassword: string) => ({
  getDatabaseCredentials: async () => ({
    username,
    password: secretPassword,
    versionId: 'v1',
    secretName: 'db/fixed',
  }),
  refreshNow: async () => ({ versionId: 'v1' }),
})

/** What `new Connection(...)` of this package fails to connect with. */
const rejection = async (username: string, secretPassword: string, db = database) => {
  const connection = new Connection({
    server: server.host,
    secretName: 'db/fixed',
    secretClient: fixedSecret(username, secretPassword),
    rotationRetry: { maxAttempts: 1 },
    options: { port: server.port, database: db },
  })
  return connected(connection).then(
    async () => {
      await closed(connection)
      throw new Error('connected')
    },
    (error: unknown) => error,
  )
}

beforeAll(async () => {
  tds = await startTdsAccount('auth')
  ;({ server, account, password, database } = tds)
})
afterAll(() => tds.close())

it("18456 (a wrong password, an unknown login) is an auth failure: tedious's own ELOGIN error", async () => {
  for (const error of [
    await rejection(account, 'wrong'),
    await rejection(randomName('nobody'), password),
  ]) {
    expect(error).toBeInstanceOf(tedious.ConnectionError)
    expect(error).toMatchObject({ code: 'ELOGIN' })
    expect(isAuthFailure(error)).toBe(true)
    // The budget (one attempt) is spent: marked, still tedious's error.
    expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    // Wrapped the ways the cause walk follows.
    expect(isAuthFailure(new Error('outer', { cause: error }))).toBe(true)
    expect(isAuthFailure(new AggregateError([new Error('x'), error]))).toBe(true)
    expect(isAuthFailure({ originalError: error })).toBe(true)
  }
})

it('4060 (cannot open the database) is ELOGIN too, but not an auth failure', async () => {
  const error = await rejection(account, password, randomName('nodb'))
  expect(error).toMatchObject({ code: 'ELOGIN' })
  expect(isAuthFailure(error)).toBe(false)
  expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(false)
})

it("mssql's ConnectionError wrapping the login failure is an auth failure (originalError)", async () => {
  const pool = new ConnectionPool({
    server: server.host,
    port: server.port,
    database,
    secretName: 'db/fixed',
    secretClient: fixedSecret(account, 'wrong'),
    rotationRetry: { maxAttempts: 1 },
    options: { encrypt: false },
  })
  const error = await pool.connect().then(
    () => new Error('connected'),
    (e: unknown) => e,
  )
  expect(error).toMatchObject({ name: 'ConnectionError', code: 'ELOGIN' })
  expect(isAuthFailure(error)).toBe(true)
  expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
})

it('errors that are not login rejections are not auth failures', () => {
  expect(isAuthFailure(new tedious.ConnectionError('Login failed.', 'ELOGIN'))).toBe(false)
  expect(isAuthFailure(new Error('Login failed for user'))).toBe(false)
  expect(isAuthFailure(undefined)).toBe(false)
  expect(isAuthFailure('18456')).toBe(false)
})
