import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import {
  pgIdentifier,
  pgLiteral,
  probeEmbeddedPostgres,
  randomName,
  randomPassword,
  requireServer,
} from '@org/test-support'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AuthRetryExhaustedError,
  Client,
  isSecretClientError,
  Pool,
  type SecretClientConfig,
  type SecretPoolConfig,
} from '../src/index.js'
import { type PgFixture, startPgFixture } from './_pg-fixture.js'
import './mute-pg-deprecations.js'

const available = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)

/**
 * Differential tests: every scenario runs twice, once with raw `pg` (a role with a static
 * password) and once with `@org/secret-pg` (a secret for a role of the same kind), recording what
 * a program can observe — events on the client or pool, promise and callback outcomes (class,
 * code, message), query results — in order. The two traces must be equal, role and database
 * names aside.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Lets pending I/O callbacks, timers and ticks run (a few event-loop turns). */
const settle = async (ms = 50) => {
  await sleep(ms)
  await new Promise((resolve) => setImmediate(resolve))
}

/** An ordered record of what a program observes, with role and database names normalised. */
class Trace {
  readonly entries: string[] = []
  readonly #names: Array<[string, string]>

  /** @param names - actual name → placeholder, e.g. `[role, '<user>']`. */
  constructor(names: Array<[string, string]>) {
    // Longest first: a name may be a prefix of another.
    this.#names = [...names].sort((a, b) => b[0].length - a[0].length)
  }

  /** Records `describe()`'s text, or what it threw (so that a recording never hangs a test). */
  record(describe: () => string): void {
    let entry: string
    try {
      entry = describe()
    } catch (error) {
      entry = `recording failed: ${String(error)}`
    }
    this.push(entry)
  }

  push(entry: string): void {
    let text = entry
    for (const [name, placeholder] of this.#names) text = text.split(name).join(placeholder)
    this.entries.push(text)
  }

  /** Records `'connect'`, `'end'` and `'error'` (and any `more`) emitted by `emitter`. */
  events(label: string, emitter: NodeJS.EventEmitter, more: string[] = []): void {
    for (const event of ['connect', 'end', 'error', ...more]) {
      emitter.on(event, (arg: unknown) => {
        this.push(
          event === 'error' ? `${label} 'error': ${describeError(arg)}` : `${label} '${event}'`,
        )
      })
    }
  }

  /**
   * Records how `promise` settles — or that it is still pending after `pendingMs` — and resolves
   * once it is recorded. `self` is shown as `'the client'` when it is the resolved value.
   */
  outcome(label: string, promise: Promise<unknown>, pendingMs = 5_000, self?: unknown) {
    let timer: NodeJS.Timeout | undefined
    return new Promise<void>((done) => {
      timer = setTimeout(() => {
        this.push(`${label}: pending after ${pendingMs} ms`)
        done()
      }, pendingMs)
      promise.then(
        (value) => {
          clearTimeout(timer)
          this.record(() => `${label}: resolved ${describeValue(value, self)}`)
          done()
        },
        (error: unknown) => {
          clearTimeout(timer)
          this.record(() => `${label}: rejected ${describeError(error)}`)
          done()
        },
      )
    })
  }

  /** A node-style callback that records its outcome, and a promise of its call. */
  callback(label: string, self?: unknown) {
    let called!: () => void
    const done = new Promise<void>((resolve) => {
      called = resolve
    })
    const cb = (error: unknown, value?: unknown) => {
      this.record(() =>
        error
          ? `${label}: error ${describeError(error)}`
          : `${label}: ok ${describeValue(value, self)}`,
      )
      called()
    }
    return { cb, done }
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${String(error)}`
  const { code } = error as { code?: unknown }
  const text = `${error.constructor.name}${code === undefined ? '' : `[${String(code)}]`}: ${error.message}`
  return error.cause === undefined ? text : `${text} (cause: ${describeError(error.cause)})`
}

function describeValue(value: unknown, self?: unknown): string {
  if (value === undefined) return 'undefined'
  if (self !== undefined && value === self) return 'the client'
  // Duck-typed: pg 8.7.3 (the oldest supported) exports no `Result`.
  const result = value as Partial<pg.QueryResult>
  if (Array.isArray(result.rows)) return `${result.command} ${JSON.stringify(result.rows)}`
  if (value instanceof pg.Client) return 'a client'
  return typeof value === 'object' ? 'an object' : String(value)
}

/** One way of reaching the server: raw pg with a static password, or ours with a secret. */
interface Side {
  readonly kind: 'pg' | 'secret-pg'
  /** The role the side logs in as. */
  readonly role: string
  readonly trace: Trace
  client(extra?: Record<string, unknown>): pg.Client
  pool(extra?: Record<string, unknown>): pg.Pool
}

describe.skipIf(!available)('drop-in: @org/secret-pg behaves as pg', () => {
  let fx: PgFixture
  beforeAll(async () => {
    fx = await startPgFixture()
  })
  afterAll(async () => {
    await fx?.close()
  })

  const id = (name: string) => pgIdentifier(name)
  const location = () => ({ host: fx.server.host, port: fx.server.port })

  /** A LOGIN role with a static password owning a fresh database, used through raw pg. */
  async function rawSide(options: { password?: string; databaseNamedLikeRole?: boolean } = {}) {
    const role = randomName('raw')
    const database = randomName('rawdb')
    const password = randomPassword()
    await fx.server.query(`CREATE ROLE ${id(role)} LOGIN PASSWORD ${pgLiteral(password)}`)
    await fx.server.query(`CREATE DATABASE ${id(database)} OWNER ${id(role)}`)
    if (options.databaseNamedLikeRole) {
      await fx.server.query(`CREATE DATABASE ${id(role)} OWNER ${id(role)}`)
    }
    const credentials = { user: role, password: options.password ?? password }
    const side: Side = {
      kind: 'pg',
      role,
      trace: new Trace([
        [database, '<db>'],
        [role, '<user>'],
      ]),
      client: (extra = {}) => new pg.Client({ ...location(), database, ...credentials, ...extra }),
      pool: (extra = {}) => new pg.Pool({ ...location(), database, ...credentials, ...extra }),
    }
    return side
  }

  /** A managed (Rds) secret for a role owning a fresh database, used through @org/secret-pg. */
  async function secretSide(
    options: { wrongPassword?: boolean; databaseNamedLikeRole?: boolean; warm?: boolean } = {},
  ) {
    const { secretName, role, database } = await fx.createRdsSecret()
    if (options.wrongPassword) {
      await fx.server.query(`ALTER ROLE ${id(role)} PASSWORD ${pgLiteral(randomPassword())}`)
    }
    if (options.databaseNamedLikeRole) {
      await fx.server.query(`CREATE DATABASE ${id(role)} OWNER ${id(role)}`)
    }
    const secretClient = fx.newClient()
    if (options.warm !== false) await secretClient.getDatabaseCredentials(secretName)
    const secret = { secretName, secretClient }
    const side: Side & { secretName: string; secretClient: typeof secretClient } = {
      kind: 'secret-pg',
      role,
      secretName,
      secretClient,
      trace: new Trace([
        [database, '<db>'],
        [role, '<user>'],
      ]),
      client: (extra = {}) =>
        new Client({ ...location(), database, ...secret, ...extra } as SecretClientConfig),
      pool: (extra = {}) =>
        new Pool({ ...location(), database, ...secret, ...extra } as SecretPoolConfig),
    }
    return side
  }

  /** Runs `scenario` on both sides and expects equal traces; returns them. */
  async function differential(
    scenario: (side: Side) => Promise<void>,
    sides: { raw?: Side; ours?: Side } = {},
  ): Promise<{ raw: string[]; ours: string[] }> {
    const raw = sides.raw ?? (await rawSide())
    const ours = sides.ours ?? (await secretSide())
    for (const side of [raw, ours]) {
      await scenario(side)
      // Every scenario closes what it opened: no session of the side's role is left.
      await expect.poll(() => fx.sessions(side.role)).toBe(0)
    }
    // DUMP_TRACES=1 prints both traces, to see what a scenario records.
    if (process.env.DUMP_TRACES) console.log(JSON.stringify({ raw: raw.trace, ours: ours.trace }))
    expect(ours.trace.entries).toEqual(raw.trace.entries)
    return { raw: raw.trace.entries, ours: ours.trace.entries }
  }

  it('a. connect(); end() in the same tick: no unhandled rejection, the same trace', async () => {
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    const scenario = async ({ client: make, trace }: Side) => {
      const client = make()
      trace.events('client', client)
      const connecting = trace.outcome('connect()', client.connect(), 500, client)
      const ending = trace.outcome('end()', client.end())
      await Promise.all([connecting, ending])
      await settle()
      trace.push(`listeners on the client: ${client.eventNames().length}`)
    }
    try {
      const { raw } = await differential(scenario)
      expect(raw).toContain('connect(): pending after 500 ms')
      // The same with a cold cache: end() abandons the KMS read in flight.
      await differential(scenario, { ours: await secretSide({ warm: false }) })
      await settle()
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    expect(rejections).toEqual([])
  })

  it('b. end() on a never-connected client resolves at once; a later connect() is as in pg', async () => {
    await differential(async ({ client: make, trace }) => {
      const client = make()
      trace.events('client', client)
      let ended = false
      const ending = client.end().then(() => {
        ended = true
      })
      await Promise.resolve()
      await Promise.resolve()
      trace.push(`end() resolved within two microtask turns: ${ended}`)
      await ending
      await trace.outcome('connect() after end()', client.connect(), 2_000, client)
      await trace.outcome('query after connect()', client.query('SELECT 1 AS one'))
      await trace.outcome('end() again', client.end(), 2_000)
      await settle()
    })
  })

  it('c. connect(), two queries and end() in the same tick: the same per-query outcomes', async () => {
    await differential(async ({ client: make, trace }) => {
      const client = make()
      trace.events('client', client)
      await Promise.all([
        trace.outcome('connect()', client.connect(), 2_000, client),
        trace.outcome('query 1', client.query('SELECT 1 AS one')),
        trace.outcome('query 2', client.query('SELECT 2 AS two')),
        trace.outcome('end()', client.end()),
      ])
      await settle()
    })
  })

  it("d. pg's protocol handlers are attached synchronously by connect()", async () => {
    await differential(async ({ client: make, trace }) => {
      const client = make()
      const connecting = client.connect()
      const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection
      trace.push(`connection events: ${connection.eventNames().map(String).sort().join(',')}`)
      await connecting
      trace.push(
        `same connection once connected: ${(client as unknown as { connection: unknown }).connection === connection}`,
      )
      await client.end()
    })
  })

  it("e. connect(callback): the callback runs before the client's 'connect' event", async () => {
    await differential(async ({ client: make, trace }) => {
      const client = make()
      trace.events('client', client)
      const query = trace.callback('query callback')
      let ending: Promise<void> | undefined
      const connected = trace.callback('connect callback', client)
      client.connect((error: Error) => {
        connected.cb(error, undefined)
        client.query('SELECT 1 AS one', query.cb)
        ending = trace.outcome('end()', client.end())
      })
      await connected.done
      await query.done
      await ending
      await settle()
    })
  })

  it('f. the Promise option is honoured', async () => {
    class MyPromise<T> extends Promise<T> {}
    await differential(async ({ client: make, pool: makePool, trace }) => {
      const client = make({ Promise: MyPromise })
      const connecting = client.connect()
      trace.push(`connect() is a MyPromise: ${connecting instanceof MyPromise}`)
      await connecting
      const querying = client.query('SELECT 1 AS one')
      trace.push(`query() is a MyPromise: ${querying instanceof MyPromise}`)
      await querying
      const ending = client.end()
      trace.push(`end() is a MyPromise: ${ending instanceof MyPromise}`)
      await ending
      const pool = makePool({ Promise: MyPromise })
      const pooled = pool.query('SELECT 1 AS one')
      trace.push(`pool.query() is a MyPromise: ${pooled instanceof MyPromise}`)
      await pooled
      const poolEnding = pool.end()
      trace.push(`pool.end() is a MyPromise: ${poolEnding instanceof MyPromise}`)
      await poolEnding
    })
  })

  it('g. the database defaults to the user name', async () => {
    const saved = process.env.PGDATABASE
    delete process.env.PGDATABASE
    try {
      await differential(
        async ({ client: make, role, trace }) => {
          const client = make({ database: undefined })
          await client.connect()
          const { rows } = await client.query<{ db: string; who: string }>(
            'SELECT current_database() AS db, current_user AS who',
          )
          trace.push(`database is the user name: ${rows[0]?.db === role && rows[0]?.who === role}`)
          trace.push(`client.database: ${client.database}`)
          await client.end()
        },
        {
          raw: await rawSide({ databaseNamedLikeRole: true }),
          ours: await secretSide({ databaseNamedLikeRole: true }),
        },
      )
    } finally {
      if (saved !== undefined) process.env.PGDATABASE = saved
    }
  })

  it('h. connectionTimeoutMillis against a server that never answers: the same errors', async () => {
    const sockets = new Set<Socket>()
    const server: Server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    try {
      await differential(async ({ client: make, pool: makePool, trace }) => {
        const client = make({ port, connectionTimeoutMillis: 300 })
        trace.events('client', client)
        await trace.outcome('client.connect()', client.connect(), 3_000, client)
        await trace.outcome('client.end()', client.end(), 3_000)
        await settle()
        const pool = makePool({ port, connectionTimeoutMillis: 300 })
        trace.events('pool', pool)
        await trace.outcome('pool.query()', pool.query('SELECT 1'), 3_000)
        trace.push(`pool.totalCount: ${pool.totalCount}`)
        await trace.outcome('pool.end()', pool.end(), 3_000)
        await settle()
      })
    } finally {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    }
  })

  it('i. a rejected login at the end of the budget fails as in pg, marked AUTH_RETRY_EXHAUSTED', async () => {
    const errors = new Map<string, unknown>()
    const raw = await rawSide({ password: 'not-the-password' })
    const ours = await secretSide({ wrongPassword: true })
    await differential(
      async (side) => {
        const { trace } = side
        const client = side.client(
          side.kind === 'secret-pg' ? { rotationRetry: { maxAttempts: 1 } } : {},
        )
        trace.events('client', client)
        const queued = trace.outcome('query queued before connect()', client.query('SELECT 1'))
        const connecting = client.connect()
        connecting.catch((error: unknown) => errors.set(side.kind, error))
        await trace.outcome('connect()', connecting, 5_000, client)
        await queued
        await settle()
        await trace.outcome('end()', client.end())
        await settle()
      },
      { raw, ours },
    )
    const rawError = errors.get('pg') as Error
    const error = errors.get('secret-pg') as Error
    expect(rawError).toBeInstanceOf(pg.DatabaseError)
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject({ code: '28P01' })
    expect(error.message).toBe(rawError.message.split(raw.role).join(ours.role))
    expect(Object.keys(error)).toEqual(Object.keys(rawError))
    expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(error).toBeInstanceOf(AuthRetryExhaustedError)
    expect(error).toMatchObject({
      attempts: 1,
      secretName: (ours as { secretName?: string }).secretName,
    })
    expect(typeof (error as { elapsedMs?: unknown }).elapsedMs).toBe('number')
    expect((error as { versionId?: unknown }).versionId).toEqual(expect.any(String))
    expect(isSecretClientError(rawError, 'AUTH_RETRY_EXHAUSTED')).toBe(false)
    expect(rawError).not.toBeInstanceOf(AuthRetryExhaustedError)
  })

  it('j. a connect through a SingleUser rotation looks like a plain successful connect', async () => {
    const ours = await secretSide()
    const { secretName } = ours as unknown as { secretName: string }
    let before = 0
    await differential(
      async (side) => {
        const { trace } = side
        if (side.kind === 'secret-pg') {
          await fx.emulator.rotateSecret(secretName)
          before = fx.getSecretValueCalls()
        }
        const client = side.client()
        trace.events('client', client)
        const queued = trace.outcome(
          'query queued before connect()',
          client.query('SELECT current_user = $1 AS me', [side.role]),
        )
        await trace.outcome('connect()', client.connect(), 10_000, client)
        await queued
        await trace.outcome('query', client.query('SELECT 1 AS one'))
        await trace.outcome('end()', client.end())
        await settle()
      },
      { ours },
    )
    expect(fx.getSecretValueCalls() - before).toBe(1)
  })

  it('k. listener counts of clients and pools are those of pg', async () => {
    await differential(async ({ client: make, pool: makePool, trace }) => {
      const client = make()
      await client.connect()
      trace.push(`connected client: 'error' ${client.listenerCount('error')}`)
      await client.end()
      const pool = makePool()
      const counts = (when: string) =>
        trace.push(
          `pool ${when}: 'error' ${pool.listenerCount('error')}, 'connect' ${pool.listenerCount('connect')}`,
        )
      counts('after construction')
      await pool.query('SELECT 1')
      counts('after a query')
      const pooled = await pool.connect()
      trace.push(`checked-out client: 'error' ${pooled.listenerCount('error')}`)
      pooled.release()
      trace.push(`released client: 'error' ${pooled.listenerCount('error')}`)
      counts('after a release')
      await pool.end()
    })
  })

  it('l. the server terminating an idle pooled client reaches the pool listener as in pg', async () => {
    await differential(async ({ pool: makePool, role, trace }) => {
      const pool = makePool()
      const errors: unknown[] = []
      pool.on('error', (error, client) => {
        errors.push(error)
        trace.push(`pool 'error': ${describeError(error)}; the idle client: ${client === idle}`)
      })
      const idle = await pool.connect()
      await idle.query('SELECT 1')
      idle.release()
      await fx.terminate(role)
      await expect.poll(() => errors.length).toBeGreaterThan(0)
      await expect.poll(() => pool.totalCount).toBe(0)
      await settle()
      trace.push(`pool after: total ${pool.totalCount}, idle ${pool.idleCount}`)
      await trace.outcome('pool.query() after', pool.query('SELECT 1 AS one'))
      await pool.end()
    })
  })
  it("m. pool.options is pg-pool's: new Pool(pool.options) works as in pg", async () => {
    const secretKeys = ['secretName', 'secretClient', 'user', 'password']
    await differential(async ({ kind, pool: makePool, trace }) => {
      const pool = makePool({ max: 3 })
      const keys = Object.keys(pool.options).filter((key) => !secretKeys.includes(key))
      trace.push(`pool.options keys: ${keys.sort().join(',')}`)
      const Same = (kind === 'pg' ? pg.Pool : Pool) as unknown as new (options: unknown) => pg.Pool
      const again = new Same(pool.options)
      await trace.outcome('a query of new Pool(pool.options)', again.query('SELECT 1 AS one'))
      await again.end()
      await pool.end()
    })
  })

  it("n. a pool's connect through a rotation looks like a plain successful one", async () => {
    const ours = await secretSide()
    const { secretName } = ours as unknown as { secretName: string }
    let before = 0
    await differential(
      async (side) => {
        const { trace } = side
        if (side.kind === 'secret-pg') {
          await fx.emulator.rotateSecret(secretName)
          before = fx.getSecretValueCalls()
        }
        const pool = side.pool()
        trace.events('pool', pool, ['acquire', 'release', 'remove'])
        await trace.outcome(
          'pool.query()',
          pool.query('SELECT current_user = $1 AS me', [side.role]),
        )
        trace.push(`total ${pool.totalCount}, idle ${pool.idleCount}`)
        await trace.outcome('pool.end()', pool.end())
        await settle()
      },
      { ours },
    )
    expect(fx.getSecretValueCalls() - before).toBe(1)
  })

  // Destroyed while it still waits for its target, a DeferredSocket has no handle; it emits its
  // 'close' a loop turn after its 'error', as a connecting net.Socket does once its handle closed
  // (emitted in the same tick, pg's 'end' would precede the rejection of connect(), and pg
  // 8.7.3's end() after it would never resolve).
  it('o. connectionTimeoutMillis while the secret is still being read: the same trace', async () => {
    const sockets = new Set<Socket>()
    const server: Server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    // A secret read that does not answer in time, as a KMS call can; raw pg waits on the server.
    const slow = {
      getDatabaseCredentials: () => new Promise<never>(() => {}),
      refreshNow: () => new Promise<never>(() => {}),
    }
    try {
      await differential(async ({ kind, client: make, trace }) => {
        const client = make({
          port,
          connectionTimeoutMillis: 300,
          ...(kind === 'secret-pg' ? { secretClient: slow } : {}),
        })
        trace.events('client', client)
        await trace.outcome('connect()', client.connect(), 3_000, client)
        await trace.outcome('end() after', client.end(), 1_000)
        await settle()
      })
    } finally {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    }
  })
})
