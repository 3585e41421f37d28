import type { RefreshEvent } from '@org/secret-client'
import { probeEmbeddedPostgres, requireServer } from '@org/test-support'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAuthFailure, Pool, type PoolClient, type SecretPoolConfig } from '../src/index.js'
import { type PgFixture, startPgFixture } from './_pg-fixture.js'

const available = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)

const pidOf = async (client: PoolClient) =>
  Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid)

describe.skipIf(!available)('Pool against a real PostgreSQL', () => {
  let fx: PgFixture
  beforeAll(async () => {
    fx = await startPgFixture()
  })
  afterAll(async () => {
    await fx?.close()
  })

  const poolFor = (
    secretName: string,
    database: string,
    extra: Partial<SecretPoolConfig> = {},
  ): Pool =>
    new Pool({
      secretName,
      secretClient: fx.newClient(),
      host: fx.server.host,
      port: fx.server.port,
      database,
      max: 5,
      ...extra,
    })

  const alive = async (pid: number) =>
    (await fx.server.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 1

  it('is a pg.Pool whose clients use the secret', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    const pool = poolFor(secretName, database)
    expect(pool).toBeInstanceOf(pg.Pool)
    const results = await Promise.all(
      Array.from({ length: 8 }, () => pool.query('SELECT current_user AS who')),
    )
    expect(results.map((r) => r.rows[0]?.who)).toEqual(Array(8).fill(role))
    await pool.end()
  })

  it('after a rotation recycles idle old clients and closes busy ones only after release', async () => {
    const { secretName, database } = await fx.createRdsSecret()
    const pool = poolFor(secretName, database)
    const idleOld = await pool.connect()
    const busyOld = await pool.connect()
    const idlePid = await pidOf(idleOld)
    const busyPid = await pidOf(busyOld)

    await fx.emulator.rotateSecret(secretName)
    // No idle client: the pool opens a new one, which fails with the cached password and
    // reconnects with the rotated one.
    const connectingNew = pool.connect()
    idleOld.release()
    const fresh = await connectingNew
    const freshPid = await pidOf(fresh)

    // The idle old client is closed at once.
    await expect.poll(() => alive(idlePid)).toBe(false)
    expect(pool.totalCount).toBe(2)
    // The busy one is untouched: it still works, inside a transaction too.
    await busyOld.query('BEGIN')
    expect((await busyOld.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }])
    await busyOld.query('COMMIT')
    expect(await alive(busyPid)).toBe(true)
    // ...and closed when released.
    busyOld.release()
    await expect.poll(() => alive(busyPid)).toBe(false)
    fresh.release()
    expect(pool.totalCount).toBe(1)
    expect(pool.idleCount).toBe(1)
    // The new generation stays.
    const again = await pool.connect()
    expect(await pidOf(again)).toBe(freshPid)
    again.release()
    await pool.end()
  })

  it('DoubleUsers: a refresh elsewhere retires idle clients, new ones use the other account', async () => {
    const { secretName, role, database } = await fx.createRdsSecret('DoubleUsers')
    const secretClient = fx.newClient()
    let listeners = 0
    const counting = {
      getDatabaseCredentials: secretClient.getDatabaseCredentials.bind(secretClient),
      refreshNow: secretClient.refreshNow.bind(secretClient),
      on: (event: 'refresh', listener: (e: RefreshEvent) => void) => {
        listeners += 1
        secretClient.on(event, listener)
      },
      off: (event: 'refresh', listener: (e: RefreshEvent) => void) => {
        listeners -= 1
        secretClient.off(event, listener)
      },
    }
    const pool = poolFor(secretName, database, { secretClient: counting })
    const idle = await pool.connect()
    const busy = await pool.connect()
    expect(listeners).toBe(1)
    const idlePid = await pidOf(idle)
    const busyPid = await pidOf(busy)
    expect((await idle.query('SELECT current_user AS who')).rows).toEqual([{ who: role }])
    idle.release()

    await fx.emulator.rotateSecret(secretName)
    // The original account still works after one DoubleUsers rotation, so no connection fails:
    // the pool learns of the new version from the secret client's refresh event.
    await secretClient.refreshNow(secretName)
    await expect.poll(() => alive(idlePid)).toBe(false)
    expect(await alive(busyPid)).toBe(true)
    const fresh = await pool.connect()
    expect((await fresh.query('SELECT current_user AS who')).rows).toEqual([
      { who: `${role}_clone` },
    ])
    busy.release()
    await expect.poll(() => alive(busyPid)).toBe(false)
    fresh.release()
    expect(pool.totalCount).toBe(1)
    await pool.end()
    // The ended pool no longer listens to the shared secret client.
    expect(listeners).toBe(0)
  })

  it('keeps old idle clients with recycleIdleOnRotation: false', async () => {
    const { secretName, database } = await fx.createRdsSecret()
    const pool = poolFor(secretName, database, { recycleIdleOnRotation: false })
    const idleOld = await pool.connect()
    const busyOld = await pool.connect()
    const idlePid = await pidOf(idleOld)
    await fx.emulator.rotateSecret(secretName)
    const connectingNew = pool.connect()
    idleOld.release()
    const fresh = await connectingNew
    expect(await alive(idlePid)).toBe(true)
    busyOld.release()
    fresh.release()
    expect(pool.totalCount).toBe(3)
    await pool.end()
  })

  it('survives the server terminating idle and busy clients, reporting the idle one to the user', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    const pool = poolFor(secretName, database)
    // The user's listener is there before the terminations, so it sees what the pool reports.
    const errors: Array<{ code?: string }> = []
    pool.on('error', (err) => errors.push(err as { code?: string }))
    const busy = await pool.connect()
    const idle = await pool.connect()
    idle.release()
    // As in pg (see drop-in.test.ts k), a checked-out client has no 'error' listener: its
    // holder adds one, as pg's docs require, or an error event would crash the process.
    expect(busy.listenerCount('error')).toBe(0)
    const busyErrors: Array<{ code?: string }> = []
    busy.on('error', (err) => busyErrors.push(err as { code?: string }))
    expect(await fx.terminate(role)).toBe(2)
    await expect.poll(() => pool.idleCount).toBe(0)
    await expect.poll(() => errors.length).toBeGreaterThan(0)
    expect(errors[0]).toMatchObject({ code: '57P01' })
    await expect.poll(() => busyErrors.length).toBeGreaterThan(0)
    expect(busyErrors[0]).toMatchObject({ code: '57P01' })
    await expect(busy.query('SELECT 1')).rejects.toThrow()
    busy.release(true)
    // The pool opens fresh connections afterwards.
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await pool.end()
  })

  it('bounds a new connection by connectionTimeoutMillis, rotation retries included', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    const secretClient = fx.newClient()
    // Several rounds with many quick retries: which timer ends a retried connect first used to
    // vary (the client's own timer, restarted by a retry, could beat pg-pool's).
    for (const connectionTimeoutMillis of [
      150, 170, 190, 210, 230, 250, 270, 290, 310, 330, 350, 370,
    ]) {
      const pool = poolFor(secretName, database, {
        secretClient,
        connectionTimeoutMillis,
        rotationRetry: { maxTimeMs: 10_000, baseDelayMs: 1, maxDelayMs: 3 },
      })
      const started = Date.now()
      const error = await pool.query('SELECT 1').then(
        () => undefined,
        (err: unknown) => err,
      )
      const elapsed = Date.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(connectionTimeoutMillis - 10)
      expect(elapsed).toBeLessThan(connectionTimeoutMillis + 1_000)
      // pg-pool's own timeout error, as for any new connection that outlives
      // connectionTimeoutMillis (see drop-in.test.ts h).
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toBe('Connection terminated due to connection timeout')
      // (Recent pg-pools give pg's own error as the cause; 3.5.1, the oldest supported, none.)
      const { cause } = error as Error
      if (cause !== undefined) {
        expect(cause).toMatchObject({ message: 'Connection terminated unexpectedly' })
      }
      expect(isAuthFailure(error)).toBe(false)
      expect(pool.totalCount).toBe(0)
      await pool.end()
    }
    await expect.poll(() => fx.sessions(role)).toBe(0)
  })

  it('pools sharing one secret client share the forced refresh after a rotation', async () => {
    const { secretName, database } = await fx.createRdsSecret()
    const secretClient = fx.newClient()
    const pools = [1, 2].map(() => poolFor(secretName, database, { secretClient, max: 10 }))
    await Promise.all(pools.map((pool) => pool.query('SELECT 1')))
    await fx.emulator.rotateSecret(secretName)
    const before = fx.getSecretValueCalls()
    // Every query needs a new connection: the idle ones are gone once the rotation is seen.
    const clients = await Promise.all(
      pools.flatMap((pool) => Array.from({ length: 10 }, () => pool.connect())),
    )
    for (const client of clients) client.release()
    expect(fx.getSecretValueCalls() - before).toBe(1)
    await Promise.all(pools.map((pool) => pool.end()))
  })

  it('pool.end() stops connections still retrying instead of waiting out the budget', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    let refreshes = 0
    const inner = fx.newClient()
    const pool = poolFor(secretName, database, {
      secretClient: {
        getDatabaseCredentials: inner.getDatabaseCredentials.bind(inner),
        refreshNow: (...args: Parameters<typeof inner.refreshNow>) => {
          refreshes += 1
          return inner.refreshNow(...args)
        },
      },
      rotationRetry: { maxAttempts: 1000, maxTimeMs: 600_000, baseDelayMs: 5, maxDelayMs: 50 },
    })
    const queries = [1, 2, 3].map(() =>
      pool.query('SELECT 1').then(
        () => undefined,
        (err: unknown) => err,
      ),
    )
    // Every connection has failed at least once and is retrying.
    await expect.poll(() => refreshes >= 3).toBe(true)
    await pool.end()
    for (const error of await Promise.all(queries)) {
      expect(error).toMatchObject({ name: 'SecretClientError', code: 'ABORTED' })
    }
    expect(pool.totalCount).toBe(0)
    await expect.poll(() => fx.sessions(role)).toBe(0)
  })

  it('pool.end() resolves with every connection closed', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    const pool = poolFor(secretName, database)
    await Promise.all(Array.from({ length: 5 }, () => pool.query('SELECT pg_sleep(0.01)')))
    expect(await fx.sessions(role)).toBeGreaterThan(0)
    await pool.end()
    await expect.poll(() => fx.sessions(role)).toBe(0)
  })
})
