import { type EmulatorFixture, startEmulatorFixture } from '@org/driver-conformance'
import {
  describeWithServer,
  probeMariaDb,
  type RotatingAccount,
  rotatingAccount,
} from '@org/test-support'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import {
  createConnection,
  createPool,
  type Pool,
  type PoolConnection,
  secretPoolState,
} from '../src/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const currentUser = async (connection: PoolConnection): Promise<string> => {
  const rows = (await connection.query('SELECT CURRENT_USER() AS me')) as Array<{ me: string }>
  return String(rows[0]?.me).replace(/@.*$/, '')
}

const stateOf = (pool: Pool) => {
  const state = secretPoolState(pool)
  if (state === undefined) throw new Error('not a secret pool')
  return state
}

let acct: RotatingAccount

await describeWithServer(
  'MariaDB at 127.0.0.1:3306',
  probeMariaDb,
  'secret-mariadb pool generations',
  () => {
    beforeEach(async () => {
      acct = await rotatingAccount('mdbgen')
    })
    afterEach(() => acct.cleanup())

    it('single-account rotation unnoticed by the cache: waiting requests move on, none times out', async () => {
      // A short acquireTimeout: a request stuck behind the connector's own login retries would fail.
      const pool = createPool({ ...acct.options(), connectionLimit: 4, acquireTimeout: 2_000 })
      try {
        // Fully opened first (minimumIdle): no background login may meet the rotation half-way.
        while (pool.totalConnections() < 4) await sleep(5)
        const all = await Promise.all([1, 2, 3, 4].map(() => pool.getConnection()))
        const busy = all.slice(0, 2)
        await acct.rotate() // the database and the secret change; the client still caches v1
        const before = acct.fetches()
        // Two slots freed: refilling them takes new logins, which the old password fails.
        for (const connection of all.slice(2)) connection.destroy()
        const started = Date.now()
        const results = await Promise.allSettled(
          [1, 2, 3, 4].map(() => pool.query('SELECT 1 AS one') as Promise<Array<{ one: number }>>),
        )
        const elapsed = Date.now() - started
        expect(
          results.map((r) => (r.status === 'fulfilled' ? r.value[0]?.one : String(r.reason))),
        ).toEqual([1, 1, 1, 1])
        // Well within acquireTimeout: the rejection moved the requests at once.
        expect(elapsed).toBeLessThan(1_500)
        expect(acct.fetches() - before).toBe(1)
        const state = stateOf(pool)
        await expect.poll(() => state.generation).toBe(1)
        // The busy connections of the first generation still work on their sessions.
        for (const connection of busy) {
          expect(await connection.query('SELECT 2 AS two')).toEqual([{ two: 2 }])
          expect(state.versionOf(connection)).toBe('v1')
          await connection.release()
        }
        // Released, the first generation's pool ends: only the current one is left.
        await expect.poll(() => state.innerPools).toBe(1)
      } finally {
        await pool.end()
      }
    })

    it('after a rotation the client notices, idle connections close and busy ones finish untouched', async () => {
      const pool = createPool({ ...acct.options(), connectionLimit: 4 })
      try {
        const state = stateOf(pool)
        const [idle1, idle2, busy] = await Promise.all([1, 2, 3].map(() => pool.getConnection()))
        if (!idle1 || !idle2 || !busy) throw new Error('setup failed')
        expect([idle1, idle2, busy].map((c) => state.generationOf(c))).toEqual([0, 0, 0])
        const oldIdle = [idle1.threadId, idle2.threadId] as number[]
        await idle1.release()
        await idle2.release()

        await acct.rotate()
        await acct.client.refreshNow(acct.secretName) // someone sharing the client sees v2
        await expect.poll(() => state.generation).toBe(1)
        expect(state.innerPools).toBe(2)
        // The busy connection is left alone, the idle ones stay open while it works.
        expect(await busy.query('SELECT CONNECTION_ID() AS id')).toEqual([{ id: busy.threadId }])
        const fresh = await pool.getConnection()
        expect(state.generationOf(fresh)).toBe(1)
        expect(state.versionOf(fresh)).toBe('v2')
        await fresh.release()
        // Released, the busy one goes, and with it the first generation's idle ones.
        const busyId = busy.threadId as number
        await busy.release()
        expect(await acct.maria.openThreads([...oldIdle, busyId], 0)).toBe(0)
        await expect.poll(() => state.innerPools).toBe(1)
      } finally {
        await pool.end()
      }
    })

    it('keeps its generation when recycleIdleOnRotation is false, until a login is rejected', async () => {
      const pool = createPool({
        ...acct.options(),
        connectionLimit: 2,
        recycleIdleOnRotation: false,
      })
      try {
        const first = await Promise.all([pool.getConnection(), pool.getConnection()])
        const ids = first.map((connection) => connection.threadId)
        for (const connection of first) await connection.release()
        await acct.rotate()
        await acct.client.refreshNow(acct.secretName)
        const state = stateOf(pool)
        await expect.poll(() => state.generation).toBe(1)
        expect(state.innerPools).toBe(1)
        // An idle connection of the first generation (there are two: minimumIdle), not a new login.
        const again = await pool.getConnection()
        expect(ids).toContain(again.threadId)
        expect(state.versionOf(again)).toBe('v1')
        await again.release()
      } finally {
        await pool.end()
      }
    })

    it('a server closing connections (idle or mid-query) neither crashes nor replays', async () => {
      const pool = createPool({ ...acct.options(), connectionLimit: 2 })
      try {
        const [idle, working] = await Promise.all([pool.getConnection(), pool.getConnection()])
        if (!idle || !working) throw new Error('setup failed')
        await idle.release()
        await acct.maria.query(`KILL ${idle.threadId}`)
        const sleeping = working.query('SELECT SLEEP(5)').then(
          () => undefined,
          (error: unknown) => error,
        )
        await sleep(100)
        await acct.maria.query(`KILL ${working.threadId}`)
        expect(await sleeping).toMatchObject({ fatal: true })
        await working.release()
        // The pool replaces both; the killed statement was not run again.
        expect(await pool.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
      } finally {
        await pool.end()
      }
    })

    it('end() while a rotation waits: the waiting request fails as in the connector, nothing is left', async () => {
      // Every login is rejected from the start; the rotation then waits out a long backoff.
      await acct.maria.query("ALTER USER ?@'%' IDENTIFIED BY 'in-no-version'", [acct.account])
      const pool = createPool({
        ...acct.options(),
        connectionLimit: 2,
        rotationRetry: { maxTimeMs: 60_000, baseDelayMs: 30_000, maxDelayMs: 30_000 },
      })
      const before = acct.fetches()
      const waiting = pool.query('SELECT 1').then(
        () => 'resolved',
        (error: unknown) => (error as { code?: string }).code,
      )
      // The rejection was seen: the secret was read again (refresh, then ACSPrevious).
      await expect.poll(() => acct.fetches() - before).toBeGreaterThan(1)
      const state = stateOf(pool)
      await pool.end()
      // As the connector fails a request still queued at end().
      expect(await waiting).toBe('ER_CLOSING_POOL')
      expect(state.innerPools).toBe(0)
      // And as the connector: a later request, and a second end(), are refused.
      await expect(pool.getConnection()).rejects.toMatchObject({ code: 'ER_POOL_ALREADY_CLOSED' })
      await expect(pool.end()).rejects.toMatchObject({ code: 'ER_POOL_ALREADY_CLOSED' })
    })
  },
)

await describeWithServer(
  'MariaDB at 127.0.0.1:3306',
  probeMariaDb,
  'secret-mariadb dual-account',
  () => {
    let fx: EmulatorFixture
    beforeAll(async () => {
      fx = await startEmulatorFixture({ engine: 'mariadb' })
    })
    afterAll(async () => {
      await fx?.close()
    })

    it('DoubleUsers rotation every second for 15 s, 20 workers: no query fails, the pool follows', {
      timeout: 60_000,
    }, async () => {
      const secret = await fx.createSecret('DoubleUsers')
      const options = {
        secretName: secret.secretName,
        // Short-lived entries refreshed ahead: the client learns every rotation within ~½ s.
        secretClient: await fx.newClient({ ttlMs: 600, refreshAheadRatio: 0.5 }),
        host: fx.host,
        port: fx.port,
        database: secret.database,
      }
      const pool = createPool({ ...options, connectionLimit: 5 })
      const state = stateOf(pool)
      const failures: string[] = []
      const users = new Set<string>()
      let queries = 0
      let running = true
      // Fifteen workers on the pool; five open a connection of their own for every query, so the
      // shared client meets every rotation (a pool only reads the secret for a new generation).
      const worker = async (index: number) => {
        const own = index % 4 === 0
        while (running) {
          try {
            const connection = own ? await createConnection(options) : await pool.getConnection()
            try {
              const user = await currentUser(connection as PoolConnection)
              if (!own) users.add(user)
              queries += 1
            } finally {
              await (own ? connection.end() : (connection as PoolConnection).release())
            }
          } catch (error) {
            failures.push(String(error))
          }
          // The connector's pool lets a caller that just released take the connection again before
          // the queued requests (the raw pool too): a loop without a pause would starve the queue.
          await sleep(1)
        }
      }
      let rotations = 0
      const rotator = async () => {
        const started = Date.now()
        while (Date.now() - started < 15_000) {
          await sleep(1_000)
          await fx.rotate(secret.secretName)
          rotations += 1
        }
        running = false
      }
      try {
        await Promise.all([rotator(), ...Array.from({ length: 20 }, (_, i) => worker(i))])
      } finally {
        running = false
      }
      expect(failures.slice(0, 3)).toEqual([])
      expect(rotations).toBeGreaterThanOrEqual(10)
      expect(queries).toBeGreaterThan(rotations * 20)
      // Both accounts served by the pool, a generation per rotation; old ones drained away.
      expect(users.size).toBe(2)
      expect(state.generation).toBeGreaterThanOrEqual(rotations - 2)
      await expect.poll(() => state.innerPools).toBe(1)
      await pool.end()
      expect(state.innerPools).toBe(0)
    })
  },
)
