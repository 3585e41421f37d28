import { describeWithServer, probeMariaDb } from '@org/test-support'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createPool, type PoolConnection, secretPoolState } from '../src/promise.js'
import { type RotatingAccount, rotatingAccount } from './helpers/rotating-account.js'

let acct: RotatingAccount

/** Server threads of the account still open (polls briefly: a closed socket takes a moment). */
async function openThreads(ids: number[], expected: number): Promise<number> {
  let open = 0
  for (let i = 0; i < 50; i++) {
    const rows = (await acct.maria.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (?)',
      [ids],
    )) as Array<{ n: number }>
    open = Number(rows[0]?.n)
    if (open === expected) return open
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return open
}

const threadId = (connection: PoolConnection) => connection.threadId as number

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'pool generations', () => {
  beforeEach(async () => {
    acct = await rotatingAccount('gen')
  })
  afterEach(() => acct.cleanup())

  it('after a rotation, idle connections are recycled and busy ones finish untouched', async () => {
    const pool = createPool({ ...acct.options(), connectionLimit: 4 })
    try {
      const state = secretPoolState(pool)
      const [idle1, idle2, busy] = await Promise.all([1, 2, 3].map(() => pool.getConnection()))
      if (!idle1 || !idle2 || !busy || !state) throw new Error('setup failed')
      expect([idle1, idle2, busy].map((c) => state.generationOf(c.connection))).toEqual([0, 0, 0])
      const oldIdle = [threadId(idle1), threadId(idle2)]
      idle1.release()
      idle2.release()

      await acct.rotate()
      // Someone sharing the client sees the new version: the pool hears of it at once.
      await acct.client.refreshNow(acct.secretName)
      expect(state.generation).toBe(1)
      expect(await openThreads(oldIdle, 0)).toBe(0)

      // The busy connection was left alone: it still works on its old session.
      const [rows] = await busy.query('SELECT CONNECTION_ID() AS id')
      expect((rows as Array<{ id: number }>)[0]?.id).toBe(threadId(busy))
      const busyId = threadId(busy)
      busy.release() // … and is closed once released.
      expect(await openThreads([busyId], 0)).toBe(0)

      // New connections log in with the new password.
      const fresh = await pool.getConnection()
      expect(state.generationOf(fresh.connection)).toBe(1)
      expect(await openThreads([threadId(fresh)], 1)).toBe(1)
      fresh.release()
    } finally {
      await pool.end()
    }
  })

  it('keeps old connections when recycleIdleOnRotation is false', async () => {
    const pool = createPool({ ...acct.options(), connectionLimit: 2, recycleIdleOnRotation: false })
    try {
      const connection = await pool.getConnection()
      const id = threadId(connection)
      connection.release()
      await acct.rotate()
      await acct.client.refreshNow(acct.secretName)
      expect(secretPoolState(pool)?.generation).toBe(1)
      const again = await pool.getConnection()
      expect(threadId(again)).toBe(id)
      again.release()
    } finally {
      await pool.end()
    }
  })

  it('a new connection after an unnoticed rotation refreshes once and logs in', async () => {
    const pool = createPool({ ...acct.options(), connectionLimit: 3 })
    try {
      await pool.query('SELECT 1')
      await acct.rotate() // the client still caches the old password
      const before = acct.fetches()
      // Three concurrent queries: one reuses the idle connection, two open new ones.
      const results = await Promise.all([1, 2, 3].map(() => pool.query('SELECT 1 AS one')))
      expect(results.map(([rows]) => (rows as Array<{ one: number }>)[0]?.one)).toEqual([1, 1, 1])
      expect(acct.fetches() - before).toBe(1)
      expect(secretPoolState(pool)?.generation).toBe(1)
    } finally {
      await pool.end()
    }
  })

  it('a server closing connections (idle or mid-query) neither crashes nor replays', async () => {
    const pool = createPool({ ...acct.options(), connectionLimit: 2 })
    try {
      const [idle, working] = await Promise.all([pool.getConnection(), pool.getConnection()])
      if (!idle || !working) throw new Error('setup failed')
      idle.release()
      await acct.maria.query(`KILL ${threadId(idle)}`)
      // Settled into a value at once: the kill may land before the test awaits it.
      const sleeping = working.query('SELECT SLEEP(5)').then(
        () => undefined,
        (error: unknown) => error,
      )
      await new Promise((resolve) => setTimeout(resolve, 100))
      await acct.maria.query(`KILL ${threadId(working)}`)
      expect(await sleeping).toMatchObject({ fatal: true })
      working.release()
      // The pool replaces both; the killed statement was not run again.
      const [rows] = await pool.query('SELECT 1 AS one')
      expect((rows as Array<{ one: number }>)[0]?.one).toBe(1)
      const [threads] = await pool.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%'",
      )
      expect(Number((threads as Array<{ n: number }>)[0]?.n)).toBe(0)
    } finally {
      await pool.end()
    }
  })
})
