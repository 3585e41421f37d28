import { describeWithRotatingAccount, type RotatingAccount } from '@org/test-support'
import mariadb, { type Pool } from 'mariadb'
import { expect, it } from 'vitest'
import * as secretMariadb from '../src/index.js'

/**
 * Differential tests: each scenario runs against the raw connector (static credentials) and
 * against @org/secret-mariadb (a secret), and what the program sees is compared for equality.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let acct: RotatingAccount

/** What a program sees of an outcome: class, code and message (thread ids and names normalised). */
function shape(value: unknown): string {
  if (!(value instanceof Error)) return `value ${JSON.stringify(value)}`
  const { code } = value as { code?: unknown }
  const message = value.message
    .replace(/conn[:=]-?\d+/g, 'conn:N')
    .split(acct.account)
    .join('<user>')
    .split('\n')[0]
  return `${value.constructor.name}[${String(code)}]: ${message}`
}

const settle = (promise: Promise<unknown>) =>
  promise.then(
    (value) => shape(value),
    (error: unknown) => shape(error),
  )

type AnyPool = Pool & NodeJS.EventEmitter

/** Runs `scenario` on a raw pool, then on a secret pool of the same account and options. */
async function both<T>(
  scenario: (pool: AnyPool) => Promise<T>,
  options: object = {},
): Promise<[T, T]> {
  const factories = [
    () =>
      mariadb.createPool({
        host: acct.maria.host,
        port: acct.maria.port,
        database: acct.database,
        user: acct.account,
        password: acct.password(),
        ...options,
      }),
    () => secretMariadb.createPool({ ...acct.options(), ...options }),
  ]
  const results: T[] = []
  for (const create of factories) {
    const pool = create() as AnyPool
    try {
      results.push(await scenario(pool))
    } finally {
      await pool.end().catch(() => {})
    }
  }
  return results as [T, T]
}

await describeWithRotatingAccount(
  'secret-mariadb drop-in',
  'mdbdrop',
  (account) => {
    acct = account
  },
  () => {
    it('a. createConnection resolves with the connector’s own Connection', async () => {
      const raw = await mariadb.createConnection({
        host: acct.maria.host,
        port: acct.maria.port,
        database: acct.database,
        user: acct.account,
        password: acct.password(),
      })
      const secret = await secretMariadb.createConnection(acct.options())
      try {
        expect(Object.getPrototypeOf(secret)).toBe(Object.getPrototypeOf(raw))
        expect(await secret.query('SELECT CURRENT_USER() AS me')).toEqual(
          await raw.query('SELECT CURRENT_USER() AS me'),
        )
        // Connections are EventEmitter proxies from 3.2 on.
        const count = (connection: object) =>
          typeof (connection as NodeJS.EventEmitter).listenerCount === 'function'
            ? (connection as NodeJS.EventEmitter).listenerCount('error')
            : 'none'
        expect(count(secret)).toBe(count(raw))
      } finally {
        await raw.end()
        await secret.end()
      }
    })

    it('b. pool events: the same events in the same order for the same program', async () => {
      const [raw, secret] = await both(
        async (pool) => {
          const events: string[] = []
          for (const event of ['acquire', 'connection', 'enqueue', 'release']) {
            pool.on(event, () => events.push(event))
          }
          // Fully opened first (the connector opens minimumIdle connections from the start).
          while (pool.totalConnections() < 2) await sleep(5)
          await sleep(20)
          const opened = events.splice(0).filter((event) => event === 'connection').length
          const a = await pool.getConnection()
          const b = await pool.getConnection()
          const waiting = pool.getConnection()
          await sleep(20)
          await a.release()
          const c = await waiting
          await b.release()
          await c.release()
          await pool.query('SELECT 1')
          await sleep(20)
          return { opened, events }
        },
        { connectionLimit: 2 },
      )
      expect(secret).toEqual(raw)
      expect(raw.events).toContain('enqueue')
    })

    it('c. errors of statements and of arguments are the connector’s own', async () => {
      const [raw, secret] = await both(async (pool) => [
        await settle(pool.query('SELEC 1')),
        await settle(pool.query('SELECT ?', [])),
        await settle(pool.execute('SELECT * FROM no_such_table')),
        await settle(pool.batch('INSERT INTO no_such_table VALUES (?)', [[1], [2]])),
        await settle(pool.query(undefined as unknown as string)),
      ])
      expect(secret).toEqual(raw)
      expect(raw[0]).toMatch(/ER_PARSE_ERROR/)
    })

    it('d. end(): a second end() and a later request fail as with the connector; closed is set', async () => {
      const [raw, secret] = await both(async (pool) => {
        await pool.query('SELECT 1')
        const first = await settle(pool.end())
        return [
          first,
          (pool as unknown as { closed: boolean }).closed,
          await settle(pool.end()),
          await settle(pool.getConnection()),
          await settle(pool.query('SELECT 1')),
        ]
      })
      expect(secret).toEqual(raw)
    })

    it('e. a request waiting when end() is called fails as with the connector', async () => {
      const [raw, secret] = await both(
        async (pool) => {
          const held = await pool.getConnection()
          const waiting = settle(pool.getConnection())
          await sleep(20)
          const ended = pool.end()
          const outcome = await waiting
          await held.release()
          await ended
          return outcome
        },
        { connectionLimit: 1 },
      )
      expect(secret).toEqual(raw)
      expect(raw).toMatch(/ER_CLOSING_POOL/)
    })

    it('f. counters, escaping and listeners as the connector’s', async () => {
      const [raw, secret] = await both(
        async (pool) => {
          while (pool.totalConnections() < 3) await sleep(5)
          const held = await pool.getConnection()
          const counts = [pool.totalConnections(), pool.activeConnections(), pool.idleConnections()]
          await held.release()
          return {
            counts,
            escaped: [
              pool.escape("it's"),
              pool.escape(null),
              pool.escape(42),
              pool.escapeId('a`b'),
            ],
            errorListeners: pool.listenerCount('error'),
          }
        },
        { connectionLimit: 3 },
      )
      expect(secret).toEqual(raw)
    })

    it('g. the server killing an idle connection: no crash, the next query works, as with the connector', async () => {
      const [raw, secret] = await both(
        async (pool) => {
          const connection = await pool.getConnection()
          const threadId = connection.threadId
          await connection.release()
          await acct.maria.query(`KILL ${threadId}`)
          await sleep(50)
          return [
            await settle(pool.query('SELECT 1 AS one')),
            await settle(pool.query('SELECT 2 AS two')),
          ]
        },
        { connectionLimit: 1 },
      )
      expect(secret).toEqual(raw)
    })
  },
)
