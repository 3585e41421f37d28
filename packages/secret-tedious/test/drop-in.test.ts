import { createConnection } from 'node:net'
import { inspect } from 'node:util'
import { printedPart, randomPassword, type TdsServer } from '@org/test-support'
import tedious from 'tedious'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as secretTedious from '../src/index.js'
import { memorySecret } from './memory-secret.js'
import { startTdsAccount, type TdsAccount } from './tds-account.js'
import { closed, connected, query } from './tedious-helpers.js'

/**
 * Differential tests: each scenario runs against tedious's own `Connection` (static credentials)
 * and this package's (a secret), and what the program sees is compared for equality.
 */

type TediousConnection = InstanceType<typeof tedious.Connection>

const EVENTS = [
  'connect',
  'end',
  'error',
  'databaseChange',
  'languageChange',
  'charsetChange',
  'infoMessage',
  'errorMessage',
  'retry',
  'secure',
] as const

let tds: TdsAccount
let server: TdsServer
let account: string
let password: string
let database: string

/** What a program sees of an error: class, code and message. */
function shape(value: unknown): string {
  if (!(value instanceof Error)) return `value ${String(value)}`
  return `${value.constructor.name}[${String((value as { code?: unknown }).code)}]: ${value.message}`
}

/** Records the events of `connection` (name, and the error's or token's shape). */
function trace(connection: TediousConnection): string[] {
  const seen: string[] = []
  for (const event of EVENTS) {
    ;(connection as NodeJS.EventEmitter).on(event, (arg?: unknown) => {
      if (event === 'errorMessage' || event === 'infoMessage') {
        seen.push(`${event} ${(arg as { number: number }).number}`)
      } else if (arg instanceof Error) seen.push(`${event} ${shape(arg)}`)
      else seen.push(event)
    })
  }
  return seen
}

const raw = (overrides: { password?: string; options?: object } = {}) =>
  new tedious.Connection({
    server: server.host,
    authentication: {
      type: 'default',
      options: { userName: account, password: overrides.password ?? password },
    },
    options: { port: server.port, database, ...overrides.options },
  })

const secret = (source = memorySecret(account, password), options: object = {}) =>
  new secretTedious.Connection({
    server: server.host,
    secretName: 'db/memory',
    secretClient: source,
    options: { port: server.port, database, ...options },
  })

const settle = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => shape(error),
  )

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  tds = await startTdsAccount('drop')
  ;({ server, account, password, database } = tds)
})
afterAll(() => tds.close())

describe('secret-tedious drop-in', () => {
  it("a. the connection is tedious's own class; a login sees the same events in the same order", async () => {
    const traces: string[][] = []
    for (const connection of [raw(), secret()]) {
      expect(connection).toBeInstanceOf(tedious.Connection)
      const seen = trace(connection)
      await connected(connection)
      expect(await query(connection, 'SELECT SUSER_SNAME() AS me')).toEqual([{ me: account }])
      await closed(connection)
      traces.push(seen)
    }
    expect(traces[1]).toEqual(traces[0])
    expect(traces[0]).toContain('connect')
  })

  it('b. synchronous errors: connect() twice, bad options — the same class and message', async () => {
    const outcomes: string[][] = []
    for (const connection of [raw(), secret()]) {
      const seen: string[] = []
      connection.connect(() => {})
      try {
        connection.connect()
      } catch (error) {
        seen.push(shape(error))
      }
      await new Promise((resolve) => connection.once('connect', resolve))
      await closed(connection)
      outcomes.push(seen)
    }
    expect(outcomes[1]).toEqual(outcomes[0])
    expect(outcomes[0]).toHaveLength(1)
    const thrown = (create: () => unknown) => {
      try {
        create()
        return 'no error'
      } catch (error) {
        return shape(error)
      }
    }
    expect(thrown(() => secret(undefined, { port: 'x' }))).toBe(
      thrown(() => raw({ options: { port: 'x' } })),
    )
    expect(thrown(() => secret(undefined, { connector: 5 }))).toBe(
      thrown(() => raw({ options: { connector: 5 } })),
    )
    expect(thrown(() => new secretTedious.Connection({ secretName: 'db/x' } as never))).toBe(
      thrown(() => new tedious.Connection({} as never)),
    )
  })

  it('c. a request made before the login completes fails as with tedious', async () => {
    const outcomes: string[] = []
    // A slow secret: the login waits for it.
    for (const connection of [raw(), secret(memorySecret(account, password, { delayMs: 50 }))]) {
      connection.connect(() => {})
      outcomes.push(await settle(query(connection, 'SELECT 1 AS one')))
      await new Promise((resolve) => connection.once('connect', resolve))
      await closed(connection)
    }
    expect(outcomes[1]).toBe(outcomes[0])
    expect(outcomes[0]).toMatch(/RequestError\[EINVALIDSTATE\]/)
  })

  it('d. close() while the login waits for the secret: one end, the connect callback fails, no session', async () => {
    const slow = memorySecret(account, password, { delayMs: 200 })
    const before = server.stats().loginsAccepted
    const connection = secret(slow)
    const seen = trace(connection)
    const outcome = new Promise<unknown>((resolve) => connection.connect(resolve))
    await sleep(20)
    connection.close()
    const error = await outcome
    await sleep(300)
    expect(seen.filter((event) => event === 'end')).toEqual(['end'])
    expect(error).toMatchObject({ name: 'SecretClientError', code: 'ABORTED' })
    expect((error as Error).message).toContain('login aborted by close()')
    expect(server.sessionCount(account)).toBe(0)
    expect(server.stats().loginsAccepted).toBe(before)
  })

  it('e. a wrong password: the same ELOGIN error and events (budget of one attempt)', async () => {
    const traces: string[][] = []
    for (const connection of [
      raw({ password: 'wrong' }),
      new secretTedious.Connection({
        server: server.host,
        secretName: 'db/memory',
        secretClient: memorySecret(account, 'wrong'),
        rotationRetry: { maxAttempts: 1 },
        options: { port: server.port, database },
      }),
    ]) {
      const seen = trace(connection)
      const ended = new Promise((resolve) => connection.once('end', resolve))
      seen.push(await settle(connected(connection)))
      await ended
      traces.push(seen)
    }
    expect(traces[1]).toEqual(traces[0])
    expect(traces[0]).toContain('errorMessage 18456')
  })

  it('f. a session the server closes ends the same way', async () => {
    const traces: string[][] = []
    for (const connection of [raw(), secret()]) {
      await connected(connection)
      const seen = trace(connection)
      const ended = new Promise((resolve) => connection.once('end', resolve))
      expect(server.killSessions(account)).toBe(1)
      await ended
      seen.push(await settle(query(connection, 'SELECT 1 AS one')))
      traces.push(seen)
    }
    expect(traces[1]).toEqual(traces[0])
  })

  it('g. the password is never in the connection seen through inspect() or JSON', async () => {
    const connection = secret()
    await connected(connection)
    try {
      const config = (connection as unknown as { config: object }).config
      expect(inspect(connection, { depth: 6 })).not.toContain(printedPart(password))
      expect(JSON.stringify(config)).not.toContain(printedPart(password))
      // tedious itself read it at the login.
      expect(await query(connection, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await closed(connection)
    }
  })

  it('h. a rejected login is retried on the same connection: tedious’s retry events, then the login', async () => {
    const source = memorySecret(account, password)
    // Cache the current password, then rotate it behind the cache's back.
    await source.getDatabaseCredentials()
    const next = randomPassword()
    await tds.setPassword(next)
    source.set(account, next)
    const connection = secret(source)
    const seen = trace(connection)
    try {
      await connected(connection)
      expect(await query(connection, 'SELECT SUSER_SNAME() AS me')).toEqual([{ me: account }])
      expect(seen.slice(0, 2)).toEqual(['errorMessage 18456', 'retry'])
      expect(seen.filter((event) => event === 'connect')).toHaveLength(1)
      expect(source.counts.refreshes).toBe(1)
    } finally {
      await closed(connection)
      password = next
    }
  })
  it('i. a connector of the caller is kept: called once the secret is read, its socket used', async () => {
    const calls: string[] = []
    const connection = secret(memorySecret(account, password), {
      connector: (target: { host: string; port: number }) => {
        calls.push(`${target.host}:${target.port}`)
        return new Promise((resolve, reject) => {
          const socket = createConnection({ host: target.host, port: target.port })
          socket.once('connect', () => resolve(socket))
          socket.once('error', reject)
        })
      },
    })
    await connected(connection)
    try {
      expect(calls).toEqual([`${server.host}:${server.port}`])
      expect(await query(connection, 'SELECT SUSER_SNAME() AS me')).toEqual([{ me: account }])
    } finally {
      await closed(connection)
    }
  })
})
