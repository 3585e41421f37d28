import { describeWithRotatingAccount, type RotatingAccount } from '@org/test-support'
import mariadbCallback, { type Pool as CallbackPool } from 'mariadb/callback'
import { expect, it } from 'vitest'
import * as secretCallback from '../src/callback.js'

let acct: RotatingAccount

/** The callback connection's `connect(callback)` (the connector's typings leave it out). */
const connectOf = (connection: object) => (callback: (error: Error | null) => void) =>
  (connection as { connect(cb: (error: Error | null) => void): void }).connect(callback)

const shape = (value: unknown): string =>
  value instanceof Error
    ? `${value.constructor.name}[${String((value as { code?: unknown }).code)}]`
    : `value ${JSON.stringify(value)}`

type Callback<T> = (error: Error | null, value?: T) => void
const call = <T>(run: (callback: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) =>
    run((error, value) => (error ? reject(error) : resolve(value as T))),
  )

await describeWithRotatingAccount(
  'secret-mariadb/callback',
  'mdbcb',
  (account) => {
    acct = account
  },
  () => {
    it('createConnection returns the connector’s own Connection at once; commands queue until the login', async () => {
      const raw = mariadbCallback.createConnection({
        host: acct.maria.host,
        port: acct.maria.port,
        database: acct.database,
        user: acct.account,
        password: acct.password(),
      })
      const connection = secretCallback.createConnection(acct.options())
      try {
        expect(Object.getPrototypeOf(connection)).toBe(Object.getPrototypeOf(raw))
        // Queued before the secret is read and the login made.
        const rows = await call<Array<{ me: string }>>((cb) =>
          connection.query('SELECT CURRENT_USER() AS me', cb),
        )
        expect(String(rows[0]?.me)).toMatch(new RegExp(`^${acct.account}@`))
        expect(
          await call<Array<{ me: string }>>((cb) => raw.query('SELECT CURRENT_USER() AS me', cb)),
        ).toEqual(rows)
      } finally {
        await call((cb) => connection.end(cb))
        await call((cb) => raw.end(cb))
      }
    })

    it('a rejected login fails as the connector’s, and the secret is refreshed for the next one', async () => {
      const first = secretCallback.createConnection(acct.options())
      await call((cb) => connectOf(first)(cb))
      await call((cb) => first.end(cb))
      await acct.rotate() // the client still caches the old password
      const before = acct.fetches()
      const rejected = secretCallback.createConnection(acct.options())
      const error = await call((cb) => connectOf(rejected)(cb)).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(error).toMatchObject({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' })
      expect(secretCallback.isAuthFailure(error)).toBe(true)
      await expect.poll(() => acct.fetches() - before).toBe(1)
      const next = secretCallback.createConnection(acct.options())
      await call((cb) => connectOf(next)(cb))
      await call((cb) => next.end(cb))
    })

    it('the callback pool gets through a rotation the cache has not seen', async () => {
      const pool = secretCallback.createPool({
        ...acct.options(),
        connectionLimit: 3,
        acquireTimeout: 2_000,
      })
      try {
        const held = await call<secretCallback.PoolConnection>((cb) => pool.getConnection(cb))
        await acct.rotate()
        const results = await Promise.all(
          [1, 2, 3].map(() =>
            call<Array<{ one: number }>>((cb) => pool.query('SELECT 1 AS one', cb)),
          ),
        )
        expect(results.map((rows) => rows[0]?.one)).toEqual([1, 1, 1])
        expect(secretCallback.secretPoolState(pool)?.generation).toBe(1)
        held.release(() => {})
      } finally {
        await call((cb) => pool.end(cb))
      }
    })

    it('the callback pool’s argument and end() errors are the connector’s', async () => {
      const outcomes = async (pool: CallbackPool) => {
        const sync = (() => {
          try {
            pool.getConnection(undefined as never)
            return 'no throw'
          } catch (error) {
            return shape(error)
          }
        })()
        const rows = await call<unknown>((cb) => pool.query('SELECT ? AS v', [7], cb))
        const statement = await call((cb) => pool.query('SELEC 1', cb)).then(shape, shape)
        const ended = await call((cb) => pool.end(cb)).then(shape, shape)
        const again = await call((cb) => pool.end(cb)).then(shape, shape)
        const after = await call((cb) => pool.getConnection(cb)).then(shape, shape)
        return { sync, rows, statement, ended, again, after }
      }
      const raw = await outcomes(
        mariadbCallback.createPool({
          host: acct.maria.host,
          port: acct.maria.port,
          database: acct.database,
          user: acct.account,
          password: acct.password(),
          connectionLimit: 1,
        }),
      )
      const secret = await outcomes(
        secretCallback.createPool({ ...acct.options(), connectionLimit: 1 }),
      )
      expect(secret).toEqual(raw)
      expect(raw.sync).toBe('SqlError[ER_MISSING_PARAMETER]')
    })
  },
)
