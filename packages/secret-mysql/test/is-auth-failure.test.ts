import { AuthRetryExhaustedError } from '@org/secret-client'
import { markAuthRetryExhausted } from '@org/secret-client/driver'
import { describeWithServer, mariadb, probeMariaDb, randomPassword } from '@org/test-support'
import mysql from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { isAuthFailure } from '../src/index.js'

describe('isAuthFailure', () => {
  it('matches errno 1045 on the error itself', () => {
    expect(isAuthFailure(Object.assign(new Error('denied'), { errno: 1045 }))).toBe(true)
  })

  it('matches errno 1698 (access denied answered with another plugin), not the rest of the family', () => {
    const coded = (errno: number) => Object.assign(new Error(`errno ${errno}`), { errno })
    expect(isAuthFailure(coded(1698))).toBe(true)
    expect(isAuthFailure(new Error('outer', { cause: coded(1698) }))).toBe(true)
    for (const errno of [1044, 1049, 1040, 1130, 4151])
      expect(isAuthFailure(coded(errno))).toBe(false)
  })

  it('matches errno 1045 down the cause chain', () => {
    const driver = Object.assign(new Error('denied'), { errno: 1045 })
    const wrapped = new Error('outer', { cause: new Error('middle', { cause: driver }) })
    expect(isAuthFailure(wrapped)).toBe(true)
    const exhausted = new AuthRetryExhaustedError({
      secretName: 'db/app',
      attempts: 3,
      elapsedMs: 10,
      versionId: 'v1',
      cause: driver,
    })
    expect(isAuthFailure(exhausted)).toBe(true)
  })

  it('matches it under originalError (node-mssql, knex wrappers) and in an AggregateError', () => {
    const driver = Object.assign(new Error('denied'), { errno: 1045 })
    expect(isAuthFailure(Object.assign(new Error('wrapper'), { originalError: driver }))).toBe(true)
    const connectErrors = new AggregateError([new Error('ECONNREFUSED ::1'), driver], 'connect')
    expect(isAuthFailure(connectErrors)).toBe(true)
    // …at any depth of the walk.
    const nested = new Error('orm', {
      cause: { originalError: new AggregateError([new Error('other'), driver]) },
    })
    expect(isAuthFailure(nested)).toBe(true)
    expect(isAuthFailure(new AggregateError([new Error('a'), { errno: 1044 }]))).toBe(false)
    expect(isAuthFailure({ originalError: { errno: 1049 } })).toBe(false)
  })

  it('matches the driver error marked at the end of the budget (the error ours surface)', () => {
    const driver = Object.assign(new Error('denied'), {
      errno: 1045,
      code: 'ER_ACCESS_DENIED_ERROR',
    })
    const marked = markAuthRetryExhausted(driver, {
      secretName: 'db/app',
      attempts: 2,
      elapsedMs: 5,
      versionId: 'v2',
    })
    expect(marked).toBe(driver)
    expect(isAuthFailure(marked)).toBe(true)
  })

  it('matches the number, not the code string or the message', () => {
    expect(isAuthFailure({ code: 'ER_ACCESS_DENIED_ERROR', errno: 4151 })).toBe(false)
    expect(isAuthFailure(new Error("Access denied for user 'app'@'%'"))).toBe(false)
    expect(isAuthFailure({ errno: 1044 })).toBe(false) // no access to the database
    expect(isAuthFailure({ errno: '1045' })).toBe(false)
  })

  it('is false for anything that is not an error object, and stops on a cause cycle', () => {
    for (const value of [undefined, null, 1045, 'errno 1045', [], () => 1045]) {
      expect(isAuthFailure(value)).toBe(false)
    }
    const a: { cause?: unknown } = {}
    const b = { cause: a }
    a.cause = b
    expect(isAuthFailure(a)).toBe(false)
  })
})

const maria = mariadb()

await describeWithServer(
  'MariaDB at 127.0.0.1:3306',
  probeMariaDb,
  'isAuthFailure on MariaDB',
  () => {
    afterAll(() => maria.cleanup())

    it('is true for the error of a real login with a wrong password, wrapped or not', async () => {
      const account = maria.uniqueUser('auth')
      await maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, randomPassword()])
      const error = await mysql
        .createConnection({ host: maria.host, port: maria.port, user: account, password: 'wrong' })
        .then(
          async (connection) => {
            await connection.end()
            throw new Error('logged in with a wrong password')
          },
          (reason: unknown) => reason,
        )
      expect(error).toMatchObject({ errno: 1045, sqlState: '28000' })
      expect(isAuthFailure(error)).toBe(true)
      expect(isAuthFailure(new Error('pool: connect failed', { cause: error }))).toBe(true)
    })

    it('is false for a real "no access to database" error (1044)', async () => {
      const account = maria.uniqueUser('noacc')
      const password = randomPassword()
      await maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
      const error = await mysql
        .createConnection({
          host: maria.host,
          port: maria.port,
          user: account,
          password,
          database: 'mysql',
        })
        .then(
          async (connection) => {
            await connection.end()
            throw new Error('opened a forbidden database')
          },
          (reason: unknown) => reason,
        )
      expect(error).toMatchObject({ errno: 1044 })
      expect(isAuthFailure(error)).toBe(false)
    })
  },
)
