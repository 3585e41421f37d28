import {
  describeWithServer,
  probeMariaDb,
  type RotatingAccount,
  rotatingAccount,
} from '@org/test-support'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createPool, type PoolConnection, secretPoolState } from '../src/promise.js'

const currentUser = async (connection: PoolConnection) => {
  const [rows] = await connection.query('SELECT CURRENT_USER() AS me')
  return String((rows as Array<{ me: string }>)[0]?.me)
}

let acct: RotatingAccount

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
      expect(await acct.maria.openThreads(oldIdle, 0)).toBe(0)

      // The busy connection was left alone: it still works on its old session.
      const [rows] = await busy.query('SELECT CONNECTION_ID() AS id')
      expect((rows as Array<{ id: number }>)[0]?.id).toBe(threadId(busy))
      const busyId = threadId(busy)
      busy.release() // … and is closed once released.
      expect(await acct.maria.openThreads([busyId], 0)).toBe(0)

      // New connections log in with the new password.
      const fresh = await pool.getConnection()
      expect(state.generationOf(fresh.connection)).toBe(1)
      expect(await acct.maria.openThreads([threadId(fresh)], 1)).toBe(1)
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

  it('a connection opened with ACSPrevious serves its checkout, then is closed (like pg)', async () => {
    const pool = createPool({ ...acct.options(), connectionLimit: 2 })
    try {
      const state = secretPoolState(pool)
      if (!state) throw new Error('no pool state')
      // The secret is ahead of the database: v2 is rejected, the ACSPrevious v1 still logs in.
      acct.rotateSecretOnly()
      const previous = await pool.getConnection()
      expect(state.versionOf(previous.connection)).toBe('v1')
      expect(state.generationOf(previous.connection)).toBeLessThan(state.generation)
      expect(await currentUser(previous)).toMatch(new RegExp(`^${acct.account}@`))
      const id = threadId(previous)
      previous.release()
      // Not kept idle: the pool will not hand out v1 sessions once v2 works.
      expect(await acct.maria.openThreads([id], 0)).toBe(0)

      await acct.catchUpDatabase()
      const current = await pool.getConnection()
      expect(state.versionOf(current.connection)).toBe('v2')
      const currentId = threadId(current)
      current.release()
      // A current-version connection is kept for reuse.
      const again = await pool.getConnection()
      expect(threadId(again)).toBe(currentId)
      again.release()
    } finally {
      await pool.end()
    }
  })

  it('two pools sharing one client: an auth-failure storm over both costs one GetSecretValue', async () => {
    const slow = await rotatingAccount('gen2', { fetchDelayMs: 150 })
    const pools = [1, 2].map(() => createPool({ ...slow.options(), connectionLimit: 4 }))
    try {
      await slow.client.getDatabaseCredentials(slow.secretName)
      await slow.rotate() // the shared client still caches the old password
      const before = slow.fetches()
      // Every query opens a new connection, is rejected (1045) and needs the refresh.
      const results = await Promise.all(
        pools.flatMap((pool) => [1, 2, 3].map(() => pool.query('SELECT 1 AS one'))),
      )
      expect(results.map(([rows]) => (rows as Array<{ one: number }>)[0]?.one)).toEqual([
        1, 1, 1, 1, 1, 1,
      ])
      expect(slow.fetches() - before).toBe(1)
    } finally {
      await Promise.all(pools.map((pool) => pool.end()))
      await slow.cleanup()
    }
  })

  it('end() stops a login waiting between retries: the caller gets ABORTED, not the whole budget', async () => {
    await acct.maria.query("ALTER USER ?@'%' IDENTIFIED BY 'elsewhere'", [acct.account])
    // Cached first, so the first GetSecretValue below is the refresh forced by the rejected login
    // (an end() during the first login itself meets it as in mysql2: Quit queued behind the login).
    await acct.client.getDatabaseCredentials(acct.secretName)
    const pool = createPool({
      ...acct.options(),
      connectionLimit: 1,
      rotationRetry: { maxTimeMs: 60_000, baseDelayMs: 30_000, maxDelayMs: 30_000 },
    })
    const before = acct.fetches()
    const failure = pool.query('SELECT 1').then(
      () => undefined,
      (error: unknown) => error,
    )
    // The first rejected login forces a refresh; then the attempt waits out a long backoff.
    for (let i = 0; i < 100 && acct.fetches() === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(acct.fetches()).toBeGreaterThan(before)
    await pool.end()
    expect(await failure).toMatchObject({ name: 'SecretClientError', code: 'ABORTED' })
  })
})
