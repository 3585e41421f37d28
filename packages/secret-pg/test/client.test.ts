import { inspect } from 'node:util'
import { AuthRetryExhaustedError, isSecretClientError } from '@org/secret-client'
import {
  pgIdentifier,
  pgLiteral,
  printedPart,
  probeEmbeddedPostgres,
  randomName,
  randomPassword,
  requireServer,
} from '@org/test-support'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, isAuthFailure } from '../src/index.js'
import { type PgFixture, startPgFixture } from './_pg-fixture.js'
import './mute-pg-deprecations.js'

const available = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What a program sees of an outcome: class, code and message (role names normalised). */
function shape(value: unknown, role?: string): string {
  if (!(value instanceof Error)) return `value ${String(value)}`
  const { code } = value as { code?: unknown }
  const text = `${value.constructor.name}${code === undefined ? '' : `[${String(code)}]`}: ${value.message}`
  return role === undefined ? text : text.split(role).join('<user>')
}

/**
 * `promise`'s outcome (a rejection as the resolved value), or `Error('still pending after <ms>
 * ms')` if it has not settled by then.
 */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error(`still pending after ${ms} ms`)), ms)
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

  /** A raw pg client of a fresh role with a static password (`password` overrides it). */
  const rawClientFor = async (options: { password?: string } & pg.ClientConfig = {}) => {
    const role = randomName('raw')
    const password = randomPassword()
    await fx.server.query(`CREATE ROLE ${pgIdentifier(role)} LOGIN PASSWORD ${pgLiteral(password)}`)
    const client = new pg.Client({
      host: fx.server.host,
      port: fx.server.port,
      database: 'postgres',
      user: role,
      password,
      ...options,
    })
    return { client, role }
  }

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

  it("gives up with pg's own 28P01, marked AUTH_RETRY_EXHAUSTED, when the secret is wrong for good", async () => {
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
    // pg's DatabaseError of the last attempt: its class, code and message, its fields only...
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject({ code: '28P01', severity: 'FATAL' })
    expect((error as Error).message).toBe(`password authentication failed for user "${role}"`)
    expect((error as Error).cause).toBeUndefined()
    // ...marked as the end of the budget, with non-enumerable details.
    expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(error).toBeInstanceOf(AuthRetryExhaustedError)
    expect(error).toMatchObject({ attempts: 4, secretName })
    expect(Object.keys(error as object)).not.toContain('attempts')
    expect(isAuthFailure(error)).toBe(true)
    // Bounded: one load, then per failed attempt at most two forced refreshes (around the
    // backoff), plus one ACSPrevious read.
    expect(fx.getSecretValueCalls() - before).toBeLessThanOrEqual(1 + 2 * 4 + 1)
    // A client whose connect failed ends at once, as in pg.
    await client.end()
  })

  it('stops retrying when ended while connecting; as in pg, the connect() stays pending', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    const inner = fx.newClient()
    let authFailureSeen!: () => void
    const seen = new Promise<void>((resolve) => {
      authFailureSeen = resolve
    })
    let reads = 0
    // Reports the first forced refresh, i.e. the first authentication failure.
    const secretClient = {
      getDatabaseCredentials: (...args: Parameters<typeof inner.getDatabaseCredentials>) => {
        reads += 1
        return inner.getDatabaseCredentials(...args)
      },
      refreshNow: (...args: Parameters<typeof inner.refreshNow>) => {
        reads += 1
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
    const events: string[] = []
    client.on('connect', () => events.push('connect'))
    client.on('end', () => events.push('end'))
    client.on('error', (err) => events.push(shape(err)))
    let outcome = 'pending'
    client.connect().then(
      () => {
        outcome = 'resolved'
      },
      (err: unknown) => {
        outcome = shape(err)
      },
    )
    await seen
    // Between two attempts the client has no socket on the server: end() gives the wait up at
    // once, like an end() that comes before pg's socket reaches the server (see drop-in.test.ts
    // a, c): the client ends, the connect() promise never settles, as pg's.
    await client.end()
    const readsAtEnd = reads
    await sleep(500)
    expect(outcome).toBe('pending')
    expect(events).toEqual(['end'])
    // The rotation stopped with it: no further secret reads, no session left.
    expect(reads).toBe(readsAtEnd)
    expect(await fx.sessions(role)).toBe(0)
  })

  it("behaves like pg when the server ends a connected client: the user's listener gets the error", async () => {
    /** What the program sees when the server terminates `client`'s session (as `role`). */
    const terminated = async (client: pg.Client, role: string) => {
      await client.connect()
      const seen: string[] = []
      // No listener of ours once connected: an unhandled 'error' is the user's business, as in pg.
      seen.push(`'error' listeners: ${client.listenerCount('error')}`)
      client.on('error', (err) => seen.push(`'error' ${shape(err)}`))
      client.on('end', () => seen.push(`'end'`))
      const sleeping = client.query('SELECT pg_sleep(30)').then(
        () => 'resolved',
        (err: unknown) => shape(err),
      )
      // The admin's answer and the client's events race (in pg too): the events are recorded in
      // their own order, and the later query waits until the client has seen the end.
      const terminatedSessions = await fx.terminate(role)
      const running = await sleeping
      await expect.poll(() => seen.includes("'end'")).toBe(true)
      // pg 8.7.3 reports the end twice (the socket's 'end', then its 'close'): let both pass, so
      // end() below meets a closed connection in both runs rather than racing its 'close'.
      const { stream } = (client as unknown as { connection: { stream: { destroyed: boolean } } })
        .connection
      await expect.poll(() => stream.destroyed).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 20))
      seen.push(`terminated: ${terminatedSessions}`)
      seen.push(`the running query: ${running}`)
      seen.push(`a later query: ${shape(await settleWithin(client.query('SELECT 1'), 2_000))}`)
      // pg 8.7.3's end() never resolves once the server closed the connection; later pgs' at once.
      seen.push(`end(): ${shape(await settleWithin(client.end(), 1_000))}`)
      return seen
    }
    // Whether the kernel reports the server's close as a reset first (`read ECONNRESET`, then
    // pg's "Connection terminated") depends on timing, for raw pg as much as for ours (seen once
    // under load): that one event is left out of the comparison.
    const withoutReset = (seen: string[]) => seen.filter((e) => !e.includes('read ECONNRESET'))
    const raw = await rawClientFor()
    const expected = withoutReset(await terminated(raw.client, raw.role))
    const { secretName, role, database } = await fx.createRdsSecret()
    expect(withoutReset(await terminated(clientFor(secretName, database), role))).toEqual(expected)
    expect(expected).toContain(
      'the running query: DatabaseError[57P01]: terminating connection due to administrator command',
    )
    expect(expected.filter((entry) => entry.startsWith("'error'")).length).toBeGreaterThan(0)
  })

  it('fails queries queued before connect() as pg does when the connect fails for good', async () => {
    // pg: the 28P01 fails connect(); the queued and later queries fail when the server closes.
    const raw = await rawClientFor({ password: 'not-the-password' })
    const rawQueued = settleWithin(raw.client.query('SELECT 1'), 5_000)
    const rawError = await settleWithin(raw.client.connect(), 10_000)
    const rawLater = settleWithin(raw.client.query('SELECT 1'), 5_000)
    expect(rawError).toBeInstanceOf(pg.DatabaseError)
    const expected = [shape(rawError, raw.role), shape(await rawQueued), shape(await rawLater)]
    // Not compared: pg 8.7.3's end() never resolves when it comes after the socket's 'close'
    // (it waits for another 'end'), a race with the server's close in both runs.
    await settleWithin(raw.client.end(), 2_000)

    const { secretName, role, database } = await fx.createRdsSecret()
    await fx.server.query(`ALTER ROLE "${role}" PASSWORD 'not-the-secret'`)
    const client = clientFor(secretName, database, {
      secretClient: fx.newClient(),
      rotationRetry: { maxTimeMs: 300, baseDelayMs: 10, maxDelayMs: 50 },
    })
    const queued = settleWithin(client.query('SELECT 1'), 5_000)
    const connectError = await settleWithin(client.connect(), 10_000)
    const later = settleWithin(client.query('SELECT 1'), 5_000)
    expect(shape(connectError, role)).toEqual(expected[0])
    expect(connectError).toBeInstanceOf(AuthRetryExhaustedError)
    expect([shape(connectError, role), shape(await queued), shape(await later)]).toEqual(expected)
    expect(expected.slice(1)).toEqual([
      'Error: Connection terminated unexpectedly',
      'Error: Connection terminated unexpectedly',
    ])
    await settleWithin(client.end(), 2_000)
    // Each wait is bounded (a hang fails as a named 'still pending' shape), the sum exceeds 20 s.
  }, 40_000)

  it('fails queries queued before connect() as pg does when end() stops the retries', async () => {
    // pg: end() while connecting fails the queued queries with 'Connection terminated'; the
    // connect() stays pending.
    const raw = await rawClientFor()
    const rawQueued = settleWithin(raw.client.query('SELECT 1'), 2_000)
    const rawConnecting = settleWithin(raw.client.connect(), 1_000)
    await raw.client.end()
    const expected = [shape(await rawQueued), shape(await rawConnecting)]
    expect(expected).toEqual(['Error: Connection terminated', 'Error: still pending after 1000 ms'])

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
    const queued = settleWithin(client.query('SELECT 1'), 2_000)
    const connecting = settleWithin(client.connect(), 1_000)
    // The first login failed: the connection was detached and the client is retrying.
    await expect.poll(() => refreshes).toBeGreaterThan(0)
    await client.end()
    expect([shape(await queued), shape(await connecting)]).toEqual(expected)
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
    // pg's own timeout error, as for any connect that outlives connectionTimeoutMillis (see
    // drop-in.test.ts h): the timer pg started with the connect() fired during the retries.
    expect(shape(error)).toBe('Error: timeout expired')
    expect(isAuthFailure(error)).toBe(false)
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(1_500)
    // As after pg's own timeout, end() resolves (with pg 8.7.3 too, once the kit's DeferredSocket
    // reports a 'close' while waiting as a connecting socket does: see drop-in.test.ts o).
    expect(shape(await settleWithin(client.end(), 1_000))).toBe('value undefined')
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
    expect(inspect(client, { depth: 6 })).not.toContain(printedPart(AccountPassword))
    await client.end()
  })

  it('is a pg.Client', () => {
    expect(clientFor('x', 'y')).toBeInstanceOf(pg.Client)
  })
})
