import { Socket } from 'node:net'
import { inspect } from 'node:util'
import { AuthRetryExhaustedError, isSecretClientError } from '@org/secret-client'
import { probeEmbeddedPostgres, randomPassword, requireServer } from '@org/test-support'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../src/index.js'
import { type PgFixture, startPgFixture } from './_pg-fixture.js'

const available = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)

/** `promise`'s outcome (a rejection as the resolved value), or a rejection if it hangs. */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)
  })
  return Promise.race([
    promise.then(
      (value) => value,
      (err: unknown) => err,
    ),
    hang,
  ]).finally(() => clearTimeout(timer))
}

describe.skipIf(!available)('Client against a real PostgreSQL', () => {
  let fx: PgFixture
  beforeAll(async () => {
    fx = await startPgFixture()
  })
  afterAll(async () => {
    await fx?.close()
  })

  const clientFor = (secretName: string, database: string, extra: object = {}) =>
    new Client({
      secretName,
      secretClient: fx.secretClient,
      host: fx.server.host,
      port: fx.server.port,
      database,
      ...extra,
    })

  it('connects and queries with the credentials of a managed secret', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    const client = clientFor(secretName, database)
    await client.connect()
    const { rows } = await client.query('SELECT current_user AS who, 1 AS one')
    expect(rows).toEqual([{ who: role, one: 1 }])
    await client.end()
  })

  it('takes host, port and database from the secret when the options do not give them', async () => {
    const { role, database } = await fx.createRdsSecret()
    // The Rds secret's password, read back through the emulator, in a generic secret with a location.
    const value = JSON.parse(
      String((await fx.emulator.call('GetSecretValue', { SecretName: `db/${role}` })).SecretData),
    ) as { AccountName: string; AccountPassword: string }
    const secretName = await fx.createGenericSecret({
      username: value.AccountName,
      password: value.AccountPassword,
      host: fx.server.host,
      port: fx.server.port,
      dbname: database,
    })
    const client = new Client({ secretName, secretClient: fx.secretClient })
    await client.connect()
    const { rows } = await client.query('SELECT current_database() AS db')
    expect(rows).toEqual([{ db: database }])
    expect(client.port).toBe(fx.server.port)
    await client.end()
  })

  it('retries a standalone connect after a rotation with one extra GetSecretValue', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    const secretClient = fx.newClient()
    const first = clientFor(secretName, database, { secretClient })
    await first.connect()
    await first.end()
    await fx.emulator.rotateSecret(secretName)
    const before = fx.getSecretValueCalls()

    const client = clientFor(secretName, database, { secretClient })
    let ends = 0
    client.on('end', () => {
      ends += 1
    })
    // Queued before connect: sent once, after the retry succeeds.
    const queued = client.query('SELECT current_user AS who')
    await client.connect()
    expect((await queued).rows).toEqual([{ who: role }])
    expect(fx.getSecretValueCalls() - before).toBe(1)
    expect(ends).toBe(0)
    await client.end()
    expect(ends).toBe(1)
  })

  it('reconnects over a stream factory, and refuses to reuse a single-use stream object', async () => {
    const { secretName, database } = await fx.createRdsSecret()
    const secretClient = fx.newClient()
    await secretClient.getDatabaseCredentials(secretName)
    await fx.emulator.rotateSecret(secretName)
    let sockets = 0
    const viaFactory = clientFor(secretName, database, {
      secretClient,
      stream: () => {
        sockets += 1
        return new Socket()
      },
    })
    await viaFactory.connect()
    expect(sockets).toBe(2)
    await viaFactory.end()

    const other = fx.newClient()
    await other.getDatabaseCredentials(secretName)
    await fx.emulator.rotateSecret(secretName)
    const viaObject = clientFor(secretName, database, {
      secretClient: other,
      stream: new Socket() as never,
    })
    await expect(viaObject.connect()).rejects.toMatchObject({ code: 'INVALID_CONFIG' })
    await viaObject.end()
  })

  it('gives up with AuthRetryExhaustedError when the secret is wrong for good', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(
      `ALTER ROLE "${role}" PASSWORD '${randomPassword(20).replace(/'/g, "''")}'`,
    )
    const secretClient = fx.newClient({ minRefreshIntervalMs: 0 })
    const before = fx.getSecretValueCalls()
    const client = clientFor(secretName, database, {
      secretClient,
      rotationRetry: { maxAttempts: 4, maxTimeMs: 2000, baseDelayMs: 1, maxDelayMs: 5 },
    })
    const error = await client.connect().then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(AuthRetryExhaustedError)
    expect(error).toMatchObject({ code: 'AUTH_RETRY_EXHAUSTED', attempts: 4 })
    expect((error as Error).cause).toMatchObject({ code: '28P01' })
    // Bounded: one load, then per failed attempt at most two forced refreshes (around the
    // backoff), plus one ACSPrevious read.
    expect(fx.getSecretValueCalls() - before).toBeLessThanOrEqual(1 + 2 * 4 + 1)
    // A client whose connect failed ends at once, as in pg.
    await client.end()
  })

  it('stops retrying when ended while connecting', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    const inner = fx.newClient()
    let authFailureSeen!: () => void
    const seen = new Promise<void>((resolve) => {
      authFailureSeen = resolve
    })
    // Reports the first forced refresh, i.e. the first authentication failure.
    const secretClient = {
      getDatabaseCredentials: inner.getDatabaseCredentials.bind(inner),
      refreshNow: (...args: Parameters<typeof inner.refreshNow>) => {
        authFailureSeen()
        return inner.refreshNow(...args)
      },
    }
    const client = clientFor(secretName, database, {
      secretClient,
      rotationRetry: {
        maxAttempts: 100,
        maxTimeMs: 60_000,
        baseDelayMs: 10_000,
        maxDelayMs: 10_000,
      },
    })
    const failure = client.connect().then(
      () => undefined,
      (err: unknown) => err,
    )
    await seen
    await client.end()
    const error = await failure
    expect(isSecretClientError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'ABORTED' })
  })

  it("behaves like pg when the server ends a connected client: the user's listener gets the error", async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    const client = clientFor(secretName, database)
    await client.connect()
    // No listener of ours once connected: an unhandled 'error' is the user's business, as in pg.
    expect(client.listenerCount('error')).toBe(0)
    const errors: Array<{ code?: string }> = []
    client.on('error', (err) => errors.push(err as { code?: string }))
    const sleeping = client.query('SELECT pg_sleep(30)').then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(await fx.terminate(role)).toBe(1)
    expect(await sleeping).toMatchObject({ code: '57P01' })
    await expect.poll(() => errors.length).toBeGreaterThan(0)
    await expect(client.query('SELECT 1')).rejects.toThrow()
    await client.end()
  })

  it('rejects queries queued before connect() when the connect fails for good', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    const client = clientFor(secretName, database, {
      secretClient: fx.newClient(),
      rotationRetry: { maxTimeMs: 300, baseDelayMs: 10, maxDelayMs: 50 },
    })
    const queued = settleWithin(client.query('SELECT 1'), 5_000)
    const connectError = await client.connect().then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(connectError).toBeInstanceOf(AuthRetryExhaustedError)
    expect(await queued).toBe(connectError)
    // Later queries fail at once too.
    expect(await settleWithin(client.query('SELECT 1'), 5_000)).toMatchObject({
      message: expect.stringMatching(/not queryable/),
    })
    await client.end()
  })

  it('rejects queries queued before connect() when end() stops the retries', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    const inner = fx.newClient()
    let refreshes = 0
    const client = clientFor(secretName, database, {
      secretClient: {
        getDatabaseCredentials: inner.getDatabaseCredentials.bind(inner),
        refreshNow: (...args: Parameters<typeof inner.refreshNow>) => {
          refreshes += 1
          return inner.refreshNow(...args)
        },
      },
      rotationRetry: { maxTimeMs: 60_000, baseDelayMs: 10_000, maxDelayMs: 10_000 },
    })
    const failures: unknown[] = []
    const queued = settleWithin(client.query('SELECT 1'), 5_000)
    const connecting = client.connect().catch((err: unknown) => failures.push(err))
    // The first login failed: the connection was detached and the client is retrying.
    await expect.poll(() => refreshes).toBeGreaterThan(0)
    await client.end()
    await connecting
    expect(failures[0]).toMatchObject({ code: 'ABORTED' })
    expect(await queued).toMatchObject({ code: 'ABORTED' })
  })

  it('bounds the whole connect() by connectionTimeoutMillis, retries included', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    const client = clientFor(secretName, database, {
      secretClient: fx.newClient(),
      connectionTimeoutMillis: 300,
      rotationRetry: { maxTimeMs: 10_000 },
    })
    const started = Date.now()
    const error = await client.connect().then(
      () => undefined,
      (err: unknown) => err,
    )
    const elapsed = Date.now() - started
    expect(error).toMatchObject({ name: 'SecretClientError', code: 'ABORTED' })
    expect(String((error as Error).message)).toMatch(/connectionTimeoutMillis \(300 ms\)/)
    expect((error as Error).cause).toMatchObject({ code: '28P01' })
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(1_500)
    await client.end()
  })

  it('rejects a second connect as pg does', async () => {
    const { secretName, database } = await fx.createRdsSecret()
    const client = clientFor(secretName, database)
    await client.connect()
    await expect(client.connect()).rejects.toThrow(/already been connected/)
    await client.end()
  })

  it('never shows the password in util.inspect output', async () => {
    const { secretName, database } = await fx.createRdsSecret()
    const client = clientFor(secretName, database)
    await client.connect()
    const { AccountPassword } = JSON.parse(
      String((await fx.emulator.call('GetSecretValue', { SecretName: secretName })).SecretData),
    ) as { AccountPassword: string }
    expect(AccountPassword.length).toBeGreaterThan(8)
    expect(inspect(client, { depth: 6 })).not.toContain(AccountPassword)
    await client.end()
  })

  it('is a pg.Client', () => {
    expect(clientFor('x', 'y')).toBeInstanceOf(pg.Client)
  })
})
