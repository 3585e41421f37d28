import { execFile } from 'node:child_process'
import { tracingChannel } from 'node:diagnostics_channel'
import { fileURLToPath } from 'node:url'
import {
  describeWithServer,
  type MariaDbHelper,
  mariadb,
  probeMariaDb,
  type RotatingAccount,
  randomPassword,
  rotatingAccount,
} from '@org/test-support'
import mysql2 from 'mysql2'
import mysql2Promise from 'mysql2/promise'
import { afterEach, beforeEach, expect, it } from 'vitest'
import {
  AuthRetryExhaustedError,
  createConnection,
  createConnectionPromise,
  createPool,
  createPoolPromise,
  isSecretClientError,
} from '../src/index.js'
import * as secretPromise from '../src/promise.js'

/**
 * Differential tests: every scenario runs twice, once with raw `mysql2` (an account with a static
 * password) and once with `@org/secret-mysql` (a secret for an account of the same kind), recording
 * what a program can observe — events on the connection or pool, callback and promise outcomes
 * (class, code, errno, message), results, tracing-channel messages — in order. The two traces must
 * be equal, account and database names aside. Where they cannot be (by design), the test says so
 * and checks the difference precisely.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Lets pending I/O callbacks, timers and ticks run. */
const settle = async (ms = 50) => {
  await sleep(ms)
  await new Promise((resolve) => setImmediate(resolve))
}

type AnyError = Error & {
  code?: unknown
  errno?: unknown
  sqlState?: unknown
  fatal?: unknown
}

/** An ordered record of what a program observes, with account and database names normalised. */
class Trace {
  readonly entries: string[] = []
  readonly #names: Array<[string, string]>

  /** @param names - actual name → placeholder. */
  constructor(names: Array<[string, string]>) {
    // Longest first: a name may be a prefix of another.
    this.#names = [...names].sort((a, b) => b[0].length - a[0].length)
  }

  normalise(text: string): string {
    let result = text
    for (const [name, placeholder] of this.#names) result = result.split(name).join(placeholder)
    return result
  }

  push(entry: string): void {
    this.entries.push(this.normalise(entry))
  }

  /** Records the given events of `emitter` (errors described, other arguments by `describe`). */
  events(
    label: string,
    emitter: NodeJS.EventEmitter,
    events: string[],
    describe: (value: unknown) => string = () => '',
  ): void {
    for (const event of events) {
      emitter.on(event, (arg: unknown) => {
        const detail = event === 'error' ? describeError(arg) : describe(arg)
        this.push(`${label} '${event}'${detail === '' ? '' : ` ${detail}`}`)
      })
    }
  }

  /** A node-style callback that records its calls (every one), and a promise of its first call. */
  callback(label: string, describe: (value: unknown) => string = describeValue) {
    let called!: () => void
    const done = new Promise<void>((resolve) => {
      called = resolve
    })
    const cb = (error: unknown, value?: unknown) => {
      this.push(
        error ? `${label}: error ${describeError(error)}` : `${label}: ok ${describe(value)}`,
      )
      called()
    }
    return { cb, done }
  }

  /** Records how `promise` settles. */
  async outcome(label: string, promise: Promise<unknown>, describe = describeValue): Promise<void> {
    await promise.then(
      (value) => this.push(`${label}: resolved ${describe(value)}`),
      (error: unknown) => this.push(`${label}: rejected ${describeError(error)}`),
    )
  }

  /** Runs `call`, recording a synchronous throw or the class of what it returned. */
  sync(label: string, call: () => unknown): void {
    try {
      const value = call()
      this.push(`${label}: returned ${(value as object | undefined)?.constructor?.name}`)
    } catch (error) {
      this.push(`${label}: threw ${describeError(error)}`)
    }
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${String(error)}`
  const { code, errno, sqlState, fatal } = error as AnyError
  const fields = [
    code === undefined ? '' : `code=${String(code)}`,
    errno === undefined ? '' : `errno=${String(errno)}`,
    sqlState === undefined ? '' : `sqlState=${String(sqlState)}`,
    fatal === undefined ? '' : `fatal=${String(fatal)}`,
  ].filter(Boolean)
  return `${error.constructor.name}[${fields.join(' ')}]: ${error.message}`
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (Array.isArray(value)) return JSON.stringify(value)
  if (typeof value === 'object') {
    const name = value.constructor?.name
    return name === 'Object' ? JSON.stringify(value) : `a ${name}`
  }
  return JSON.stringify(value)
}

/** Subscribes to mysql2's tracing channels, recording the messages about `database` only. */
function traceChannels(trace: Trace, database: string, names: string[]) {
  const users: string[] = []
  const subscriptions = names.map((name) => {
    const channel = tracingChannel(name)
    const mine = (context: unknown) => (context as { database?: unknown }).database === database
    const handlers = {
      start(context: unknown) {
        if (!mine(context)) return
        const { user, values: _values, ...rest } = context as Record<string, unknown>
        if (user !== undefined) users.push(String(user))
        trace.push(`${name} start ${JSON.stringify(rest)}`)
      },
      end(context: unknown) {
        if (mine(context)) trace.push(`${name} end`)
      },
      asyncStart(context: unknown) {
        if (mine(context)) trace.push(`${name} asyncStart`)
      },
      asyncEnd(context: unknown) {
        if (mine(context)) trace.push(`${name} asyncEnd`)
      },
      error(context: unknown) {
        if (mine(context))
          trace.push(`${name} error ${describeError((context as { error: unknown }).error)}`)
      },
    }
    channel.subscribe(handlers)
    return () => channel.unsubscribe(handlers)
  })
  return {
    /** The `user` of each `mysql2:connect` start message. */
    users,
    unsubscribe: () => {
      for (const unsubscribe of subscriptions) unsubscribe()
    },
  }
}

/** A connection, pool or promise connection called as JavaScript may call it. */
interface Loose {
  execute(...args: unknown[]): Promise<unknown>
  query(...args: unknown[]): Promise<unknown>
}

/** mysql2's runtime classes its typings only declare as interfaces. */
const { Pool: CorePool } = mysql2 as unknown as { Pool: new (...args: never[]) => mysql2.Pool }

/** Callback API of a connection or pool, promisified (for setup steps, not traced). */
const end = (target: { end(cb: (err?: unknown) => void): unknown }) =>
  new Promise<void>((resolve) => target.end(() => resolve()))

const getConnection = (pool: mysql2.Pool) =>
  new Promise<mysql2.PoolConnection>((resolve, reject) =>
    pool.getConnection((err, connection) => (err ? reject(err) : resolve(connection))),
  )

/** One way of reaching the server: raw mysql2 with a static password, or ours with a secret. */
interface Side {
  readonly kind: 'mysql2' | 'secret-mysql'
  readonly account: string
  readonly database: string
  /** The callback `createConnection`. */
  connection(extra?: Record<string, unknown>): mysql2.Connection
  /** The callback `createPool`. */
  pool(extra?: Record<string, unknown>): mysql2.Pool
  /** `mysql2/promise`'s `createConnection`. */
  promiseConnection(extra?: Record<string, unknown>): Promise<mysql2Promise.Connection>
  /** `mysql2/promise`'s `createPool`. */
  promisePool(extra?: Record<string, unknown>): mysql2Promise.Pool
  /**
   * Makes the side's logins fail with 1045 and returns the options a connection needs then: a
   * wrong password for raw mysql2; for ours, the database password changes under the secret and
   * the budget is one attempt.
   */
  failLogins(): Promise<Record<string, unknown>>
}

/** An account with a static password and its own database, for raw mysql2. */
async function staticAccount(maria: MariaDbHelper) {
  const account = maria.uniqueUser('raw')
  const password = randomPassword()
  const database = await maria.createIsolatedDatabase()
  await maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
  await maria.query(`GRANT ALL ON \`${database}\`.* TO ?@'%'`, [account])
  return { account, password, database }
}

let maria: MariaDbHelper
let fixed: Awaited<ReturnType<typeof staticAccount>>
let acct: RotatingAccount
let raw: Side
let ours: Side
let names: Array<[string, string]>

/** Runs `scenario` on both sides, raw mysql2 first; returns both traces. */
async function both(scenario: (side: Side, trace: Trace) => Promise<void>) {
  const traces: string[][] = []
  for (const side of [raw, ours]) {
    const trace = new Trace(names)
    await scenario(side, trace)
    traces.push(trace.entries)
  }
  return { raw: traces[0] as string[], ours: traces[1] as string[] }
}

/** Fails the test on any unhandled rejection while `run` runs. */
async function withoutUnhandledRejections(run: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    await run()
    await settle()
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
  expect(unhandled).toEqual([])
}

await describeWithServer(
  'MariaDB at 127.0.0.1:3306',
  probeMariaDb,
  'drop-in: @org/secret-mysql behaves as mysql2',
  () => {
    beforeEach(async () => {
      maria = mariadb()
      fixed = await staticAccount(maria)
      acct = await rotatingAccount('ours')
      const location = { host: maria.host, port: maria.port }
      names = [
        [fixed.account, '<user>'],
        [acct.account, '<user>'],
        [fixed.database, '<db>'],
        [acct.database, '<db>'],
      ]
      const rawOptions = (extra: Record<string, unknown> = {}) => ({
        ...location,
        user: fixed.account,
        password: fixed.password,
        database: fixed.database,
        ...extra,
      })
      raw = {
        kind: 'mysql2',
        account: fixed.account,
        database: fixed.database,
        connection: (extra) => mysql2.createConnection(rawOptions(extra)),
        pool: (extra) => mysql2.createPool(rawOptions(extra)),
        promiseConnection: (extra) => mysql2Promise.createConnection(rawOptions(extra)),
        promisePool: (extra) => mysql2Promise.createPool(rawOptions(extra)),
        failLogins: async () => ({ password: 'not-the-password' }),
      }
      ours = {
        kind: 'secret-mysql',
        account: acct.account,
        database: acct.database,
        connection: (extra) => createConnection({ ...acct.options(), ...extra }),
        pool: (extra) => createPool({ ...acct.options(), ...extra }),
        promiseConnection: (extra) =>
          secretPromise.createConnection({ ...acct.options(), ...extra }),
        promisePool: (extra) => secretPromise.createPool({ ...acct.options(), ...extra }),
        failLogins: async () => {
          await acct.maria.query("ALTER USER ?@'%' IDENTIFIED BY 'not-the-password'", [
            acct.account,
          ])
          return { rotationRetry: { maxAttempts: 1 } }
        },
      }
    })
    afterEach(async () => {
      await acct.cleanup()
      await maria.cleanup()
    })

    it("a. callback createConnection: mysql2's Connection from the first tick (commands, connect(cb), config, events, tracing)", async () => {
      const channels = ['mysql2:connect', 'mysql2:query', 'mysql2:execute']
      const users: Record<string, string[]> = {}
      const traces = await both(async (side, trace) => {
        const tracing = traceChannels(trace, side.database, channels)
        try {
          const connection = side.connection()
          trace.push(`instanceof mysql2.Connection: ${connection instanceof mysql2.Connection}`)
          const self = (value: unknown) =>
            value === connection ? 'the connection' : describeValue(value)
          trace.events('connection', connection, ['connect', 'end', 'error'], self)
          // Changes to conn.config before the login take effect for later commands.
          connection.config.namedPlaceholders = true
          const executed = trace.callback('execute(?)')
          trace.sync('execute()', () =>
            connection.execute('SELECT ? AS a', [1], executed.cb as never),
          )
          const queried = trace.callback('query(:b)')
          trace.sync('query()', () =>
            connection.query('SELECT :b AS b', { b: 2 }, queried.cb as never),
          )
          const connected = trace.callback('connect(cb) before login', self)
          trace.sync('connect(cb)', () => connection.connect(connected.cb as never))
          connection.config.rowsAsArray = true
          const asArray = trace.callback('query() rowsAsArray')
          connection.query('SELECT 3 AS c', asArray.cb as never)
          await Promise.all([executed.done, queried.done, connected.done, asArray.done])
          trace.push(`threadId set: ${typeof connection.threadId === 'number'}`)
          const again = trace.callback('connect(cb) after login', self)
          connection.connect(again.cb as never)
          await again.done
          const ended = trace.callback('end(cb)')
          connection.end(ended.cb as never)
          await ended.done
          await settle()
        } finally {
          tracing.unsubscribe()
        }
        users[side.kind] = tracing.users
      })
      expect(traces.ours).toEqual(traces.raw)
      expect(traces.raw).toContain('query(:b): ok [{"b":2}]')
      expect(traces.raw).toContain('query() rowsAsArray: ok [[3]]')
      expect(traces.raw).toContain("connection 'connect' a Handshake")
      // By design: mysql2 builds the `mysql2:connect` context synchronously in its constructor,
      // before the secret is read, so ours has no user there yet; the login itself is mysql2's.
      expect(users).toEqual({ mysql2: [raw.account], 'secret-mysql': [''] })
    })

    it('b. synchronous errors reach the caller as in mysql2, before and after login; nothing is lost or stalled', async () => {
      await withoutUnhandledRejections(async () => {
        const traces = await both(async (side, trace) => {
          for (const phase of ['before login', 'after login']) {
            const connection = side.connection()
            trace.events(phase, connection, ['connect', 'end', 'error'])
            if (phase === 'after login') {
              await new Promise((resolve) => connection.once('connect', resolve))
            }
            // Values mysql2's typings refuse, as a JavaScript program may pass them.
            const js = connection as unknown as Loose
            const pending: Array<Promise<void>> = []
            const attempt = (label: string, call: (cb: never) => unknown) => {
              const { cb, done } = trace.callback(`${phase} ${label} cb`)
              trace.sync(`${phase} ${label}`, () => call(cb as never))
              pending.push(done)
            }
            attempt('execute [undefined]', (cb) => js.execute('SELECT ?', [undefined], cb))
            attempt('execute [function]', (cb) => js.execute('SELECT ?', [() => 1], cb))
            attempt('execute {object}', (cb) => js.execute('SELECT :a', { a: 1 }, cb))
            attempt('query {object}', (cb) => js.query('SELECT :a AS a', { a: 1 }, cb))
            attempt('query [undefined]', (cb) => js.query('SELECT ? AS a', [undefined], cb))
            attempt('query [function]', (cb) => js.query('SELECT ? AS a', [() => 1], cb))
            const promised = connection.promise() as unknown as Loose
            for (const [label, call] of [
              ['promise execute [undefined]', () => promised.execute('SELECT ?', [undefined])],
              ['promise execute {object}', () => promised.execute('SELECT :a', { a: 1 })],
              ['promise query [function]', () => promised.query('SELECT ? AS a', [() => 1])],
            ] as const) {
              let result: Promise<unknown>
              try {
                result = call()
              } catch (error) {
                trace.push(`${phase} ${label}: threw ${describeError(error)}`)
                continue
              }
              await trace.outcome(`${phase} ${label}`, result)
            }
            // The queue is not stalled: a following query completes.
            const following = trace.callback(`${phase} following query`)
            connection.query('SELECT 42 AS x', following.cb as never)
            await following.done
            // Callbacks of commands that threw are never called; the others were, once.
            await Promise.race([Promise.all(pending), settle(200)])
            await end(connection)
            await settle()
          }
          // A pool's execute() hands the synchronous error to the callback, as in mysql2.
          const pool = side.pool({ connectionLimit: 1 })
          const pooled = trace.callback('pool execute [undefined]')
          trace.sync('pool.execute()', () =>
            (pool as unknown as Loose).execute('SELECT ?', [undefined], pooled.cb),
          )
          await pooled.done
          const after = trace.callback('pool following query')
          pool.query('SELECT 43 AS y', after.cb as never)
          await after.done
          await end(pool)
        })
        expect(traces.ours).toEqual(traces.raw)
        expect(traces.raw).toContain(
          'before login execute [undefined]: threw TypeError[]: Bind parameters must not contain undefined. To pass SQL NULL specify JS null',
        )
        expect(traces.raw).toContain('after login following query: ok [{"x":42}]')
      })
    })

    it("c. a failed login with no error listener crashes the process as in mysql2; with one, the error is mysql2's, marked", async () => {
      const child = (side: Side['kind'], account: string) =>
        new Promise<{ exitCode: unknown; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', 'test/fixtures/failed-login-child.ts'],
            {
              cwd: fileURLToPath(new URL('..', import.meta.url)),
              timeout: 20_000,
              env: {
                ...process.env,
                DROP_IN_SIDE: side,
                DROP_IN_HOST: maria.host,
                DROP_IN_PORT: String(maria.port),
                DROP_IN_USER: account,
                DROP_IN_PASSWORD: 'not-the-password',
              },
            },
            (error, _stdout, stderr) => {
              resolve({ exitCode: (error as { code?: unknown } | null)?.code ?? 0, stderr })
            },
          )
        })
      const trace = new Trace(names)
      const summary = ({ exitCode, stderr }: { exitCode: unknown; stderr: string }) => {
        const lines = trace.normalise(stderr).split('\n')
        return {
          exitCode,
          firstLine: lines[0],
          error: lines.find((line) => /^\w*Error\b/.test(line)),
          fields: lines.filter((line) =>
            /^ {2}(code|errno|sqlState|sqlMessage|sql|fatal):/.test(line),
          ),
        }
      }
      // One after the other: each child compiles the sources, on a machine shared with the
      // connection storms of the conformance suite.
      const rawChild = await child('mysql2', raw.account)
      const ourChild = await child('secret-mysql', ours.account)
      expect(summary(ourChild)).toEqual(summary(rawChild))
      expect(summary(rawChild)).toMatchObject({
        exitCode: 1,
        error: "Error: Access denied for user '<user>'@'127.0.0.1' (using password: YES)",
      })

      // With an 'error' listener: the same error object as mysql2's, marked for ours.
      const errors: Record<string, AnyError> = {}
      const traces = await both(async (side, t) => {
        const connection = side.connection(await side.failLogins())
        t.events('connection', connection, ['connect', 'end', 'error'])
        const error = await new Promise<AnyError>((resolve) => connection.once('error', resolve))
        await settle()
        errors[side.kind] = error
        t.push(`keys ${Object.keys(error).join(',')}`)
        t.push(`state ${connection.state}`)
      })
      expect(traces.ours).toEqual(traces.raw)
      const [rawError, ourError] = [errors.mysql2, errors['secret-mysql']] as [AnyError, AnyError]
      expect(rawError).toMatchObject({
        errno: 1045,
        code: 'ER_ACCESS_DENIED_ERROR',
        sqlState: '28000',
      })
      expect(ourError.constructor).toBe(rawError.constructor)
      expect(Object.keys(ourError)).toEqual(Object.keys(rawError))
      expect(trace.normalise(ourError.message)).toBe(trace.normalise(rawError.message))
      expect(isSecretClientError(ourError, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
      expect(ourError).toBeInstanceOf(AuthRetryExhaustedError)
      expect(ourError).toMatchObject({ attempts: 1, secretName: acct.secretName, versionId: 'v1' })
      expect(isSecretClientError(rawError, 'AUTH_RETRY_EXHAUSTED')).toBe(false)
    })

    it("d. pools are mysql2's: prototype methods, listeners, event order, the pool-connection contract", async () => {
      const traces = await both(async (side, trace) => {
        const pool = side.pool({ connectionLimit: 1 })
        const counts = () =>
          ['release', 'connection', 'acquire', 'enqueue', 'error']
            .map((event) => `${event}=${pool.listenerCount(event)}`)
            .join(' ')
        trace.push(
          `own ${['getConnection', 'end', 'query', 'execute', 'releaseConnection'].map((key) => `${key}=${Object.hasOwn(pool, key)}`).join(' ')}`,
        )
        trace.push(`listeners after construction: ${counts()}`)
        const ids = new Map<unknown, number>()
        const id = (connection: unknown) => {
          if (!ids.has(connection)) ids.set(connection, ids.size + 1)
          return `#${ids.get(connection)}`
        }
        const tracing = traceChannels(trace, side.database, ['mysql2:pool:connect'])
        trace.events('pool', pool, ['acquire', 'connection', 'release', 'enqueue'], (c) =>
          c === undefined ? '' : id(c),
        )
        try {
          // Three concurrent queries through one connection: 'enqueue' at once, as mysql2 decides.
          const queries = [1, 2, 3].map((n) => {
            const { cb, done } = trace.callback(`query ${n}`)
            trace.push(`call query ${n}`)
            pool.query(`SELECT ${n} AS n`, cb as never)
            trace.push(`returned query ${n}`)
            return done
          })
          await Promise.all(queries)
          await settle()
        } finally {
          tracing.unsubscribe()
        }
        trace.push(`listeners after queries: ${counts()}`)

        // Released twice: back in the pool once.
        const first = await getConnection(pool)
        trace.push(`got ${id(first)}`)
        first.release()
        first.release()
        trace.push('released twice')
        const again = await getConnection(pool)
        trace.push(`got ${id(again)} (same: ${again === first})`)
        // Destroyed: never handed out again; the next caller gets a new connection.
        again.destroy()
        trace.push('destroyed')
        const fresh = await getConnection(pool)
        trace.push(`got ${id(fresh)} (new: ${fresh !== again})`)
        const rows = trace.callback('checked-out query')
        fresh.query('SELECT CONNECTION_ID() = ? AS same', [fresh.threadId], rows.cb as never)
        await rows.done

        // end() with a connection checked out: it is closed too.
        const ended = trace.callback('pool.end(cb)')
        pool.end(ended.cb as never)
        trace.events('checked-out connection', fresh, ['end', 'error'])
        await ended.done
        fresh.release()
        trace.push('released after end')
        const late = trace.callback('checked-out query after end')
        trace.sync('checked-out query after end', () => fresh.query('SELECT 1', late.cb as never))
        await late.done
        const afterEnd = trace.callback('getConnection after end', (c) => describeValue(c))
        pool.getConnection(afterEnd.cb as never)
        await afterEnd.done
        const queryAfterEnd = trace.callback('query after end')
        pool.query('SELECT 1', queryAfterEnd.cb as never)
        await queryAfterEnd.done
        await settle()
      })
      expect(traces.ours).toEqual(traces.raw)
      expect(traces.raw.slice(0, 2)).toEqual([
        'own getConnection=false end=false query=false execute=false releaseConnection=false',
        'listeners after construction: release=0 connection=0 acquire=0 enqueue=0 error=0',
      ])
      expect(traces.raw.indexOf("pool 'enqueue'")).toBeLessThan(
        traces.raw.indexOf('returned query 2'),
      )
      expect(traces.raw).toContain('getConnection after end: error Error[]: Pool is closed.')
    })

    it('d2. the pool decides at once as mysql2 does: end() during the first login, queueLimit, waitForConnections', async () => {
      const traces = await both(async (side, trace) => {
        const closing = side.pool({ connectionLimit: 1 })
        trace.events('closing pool', closing, ['acquire', 'connection', 'release', 'enqueue'])
        const query = trace.callback('query then end()')
        closing.query('SELECT 1', query.cb as never)
        const ended = trace.callback('end(cb)')
        closing.end(ended.cb as never)
        await Promise.all([query.done, ended.done])

        // One pool at a time: two pools' replies would interleave as the network pleases.
        for (const [label, extra] of [
          ['queueLimit 1', { queueLimit: 1 }],
          ['waitForConnections false', { waitForConnections: false }],
        ] as const) {
          const pool = side.pool({ connectionLimit: 1, ...extra })
          trace.events(label, pool, ['acquire', 'connection', 'release', 'enqueue'])
          const done: Array<Promise<void>> = []
          for (const n of [1, 2, 3]) {
            const { cb, done: called } = trace.callback(`${label} query ${n}`)
            pool.query(`SELECT ${n} AS n`, cb as never)
            trace.push(`${label} returned ${n}`)
            done.push(called)
          }
          await Promise.all(done)
          await end(pool)
        }
      })
      expect(traces.ours).toEqual(traces.raw)
      expect(traces.raw.slice(0, 2)).toEqual([
        'query then end(): error Error[]: Pool is closed.',
        'end(cb): ok undefined',
      ])
      // mysql2 calls back 'Queue limit reached.' synchronously.
      expect(traces.raw.indexOf('queueLimit 1 query 3: error Error[]: Queue limit reached.')).toBe(
        traces.raw.indexOf('queueLimit 1 returned 3') - 1,
      )
    })

    it("e. the promise API: PromiseConnection, the rejected login (with the caller's stack), .pool, the Promise option", async () => {
      class MyPromise<T> extends Promise<T> {}
      const traces = await both(async (side, trace) => {
        const connection = await side.promiseConnection()
        trace.push(`connection class ${connection.constructor.name}`)
        trace.push(
          `core is a mysql2 Connection: ${(connection as unknown as { connection: unknown }).connection instanceof mysql2.Connection}`,
        )
        const [rows] = await connection.query('SELECT 1 AS one')
        trace.push(`rows ${JSON.stringify(rows)}`)
        await connection.end()

        const pool = side.promisePool({ connectionLimit: 2 })
        trace.push(`pool class ${pool.constructor.name}`)
        trace.push(`pool.pool is the core pool: ${pool.pool instanceof CorePool}`)
        trace.push(
          `pool.pool has no own getConnection: ${!Object.hasOwn(pool.pool, 'getConnection')}`,
        )
        await pool.end()

        const custom = side.promiseConnection({ Promise: MyPromise })
        trace.push(`createConnection returns MyPromise: ${custom instanceof MyPromise}`)
        const customConnection = await custom
        trace.push(
          `query returns MyPromise: ${customConnection.query('SELECT 1') instanceof MyPromise}`,
        )
        await customConnection.end()
        const customPool = side.promisePool({ Promise: MyPromise, connectionLimit: 1 })
        const pooled = customPool.query('SELECT 1')
        trace.push(`pool query returns MyPromise: ${pooled instanceof MyPromise}`)
        await pooled
        const checkout = customPool.getConnection()
        trace.push(`pool getConnection returns MyPromise: ${checkout instanceof MyPromise}`)
        ;(await checkout).release()
        await customPool.end()

        const failing = await side.failLogins()
        const error = await side.promiseConnection(failing).then(
          () => new Error('logged in with a wrong password'),
          (reason: unknown) => reason as Error,
        )
        trace.push(`rejected ${describeError(error)}`)
        trace.push(`keys ${Object.keys(error).join(',')}`)
        // mysql2/promise gives the rejection the caller's stack: the line after the message is the
        // call site in this file.
        const caller = String(error.stack).split('\n')[1] ?? ''
        trace.push(`stack's second line in this file: ${caller.includes('drop-in.test.ts')}`)
      })
      expect(traces.ours).toEqual(traces.raw)
      expect(traces.raw).toEqual(
        expect.arrayContaining([
          'connection class PromiseConnection',
          'createConnection returns MyPromise: true',
          "stack's second line in this file: true",
          "rejected Error[code=ER_ACCESS_DENIED_ERROR errno=1045 sqlState=28000]: Access denied for user '<user>'@'127.0.0.1' (using password: YES)",
        ]),
      )
    })

    it("f. the main entry's createConnectionPromise and createPoolPromise honour secretName, as mysql2's do their options", async () => {
      const raws = mysql2 as unknown as {
        createConnectionPromise: typeof mysql2Promise.createConnection
        createPoolPromise: typeof mysql2Promise.createPool
      }
      const traces = await both(async (side, trace) => {
        const options =
          side.kind === 'mysql2'
            ? { host: maria.host, port: maria.port, user: fixed.account, password: fixed.password }
            : acct.options()
        const factories =
          side.kind === 'mysql2'
            ? { connect: raws.createConnectionPromise, pool: raws.createPoolPromise }
            : { connect: createConnectionPromise, pool: createPoolPromise }
        const connection = await factories.connect(options as never)
        trace.push(`connection class ${connection.constructor.name}`)
        const [rows] = await connection.query('SELECT CURRENT_USER() AS me')
        trace.push(`connection user ${JSON.stringify(rows)}`)
        await connection.end()
        const pool = factories.pool(options as never)
        trace.push(`pool class ${pool.constructor.name}`)
        const [pooled] = await pool.query('SELECT CURRENT_USER() AS me')
        trace.push(`pool user ${JSON.stringify(pooled)}`)
        await pool.end()
      })
      expect(traces.ours).toEqual(traces.raw)
      expect(traces.raw).toContain('connection user [{"me":"<user>@%"}]')
    })

    it('g. a login rejected mid-rotation is retried on the same object, which looks like a plain successful connect', async () => {
      // The client caches the first version; the database then moves on.
      await acct.client.getDatabaseCredentials(acct.secretName)
      await acct.rotate()
      const fetchesBefore = acct.fetches()
      const traces = await both(async (side, trace) => {
        const tracing = traceChannels(trace, side.database, ['mysql2:connect', 'mysql2:query'])
        try {
          const connection = side.connection()
          const emitters: string[] = []
          for (const event of ['connect', 'end', 'error']) {
            connection.on(event, function (this: unknown, arg: unknown) {
              emitters.push(`${event} from the returned object: ${this === connection}`)
              trace.push(
                `connection '${event}'${event === 'error' ? ` ${describeError(arg)}` : ''}`,
              )
            })
          }
          const queued = trace.callback('queued query')
          connection.query('SELECT CURRENT_USER() AS me', queued.cb as never)
          const connected = trace.callback('connect(cb)')
          connection.connect(connected.cb as never)
          await Promise.all([queued.done, connected.done])
          trace.push(`threadId set: ${typeof connection.threadId === 'number'}`)
          const ended = trace.callback('end(cb)')
          connection.end(ended.cb as never)
          await ended.done
          await settle()
          for (const line of emitters) trace.push(line)
        } finally {
          tracing.unsubscribe()
        }
      })
      expect(traces.ours).toEqual(traces.raw)
      expect(traces.raw).toContain('connect from the returned object: true')
      expect(traces.raw).toContain('queued query: ok [{"me":"<user>@%"}]')
      // The rejected login cost one forced refresh of the secret.
      expect(acct.fetches() - fetchesBefore).toBe(1)
    })

    it("h. destroy() before login: no session is opened; the connection fails as mysql2's does", async () => {
      const errors: Record<string, AnyError[]> = { mysql2: [], 'secret-mysql': [] }
      const traces = await both(async (side, trace) => {
        for (const queued of [false, true]) {
          const label = queued ? 'with a queued query' : 'idle'
          const connection = side.connection()
          const socket = (connection as unknown as { stream: NodeJS.EventEmitter }).stream
          let reached = false
          socket.once('connect', () => {
            reached = true
          })
          const seen = (error: unknown) => {
            errors[side.kind]?.push(error as AnyError)
            const { fatal } = error as AnyError
            return `a fatal=${String(fatal)} error`
          }
          // Not 'end': whether raw mysql2's socket sees the server's end first is a matter of timing.
          for (const event of ['connect', 'error']) {
            connection.on(event, (arg: unknown) =>
              trace.push(`${label} '${event}'${event === 'error' ? ` ${seen(arg)}` : ''}`),
            )
          }
          const pending: Array<Promise<void>> = []
          if (queued) {
            pending.push(
              new Promise<void>((resolve) => {
                connection.query('SELECT 1', (error: unknown) => {
                  trace.push(`${label} query: ${error ? seen(error) : 'ok'}`)
                  resolve()
                })
              }),
            )
          }
          connection.destroy()
          const after = trace.callback(`${label} query after destroy`)
          connection.query('SELECT 2', after.cb as never)
          await after.done
          await Promise.all(pending)
          await settle(200)
          trace.push(`${label} state ${connection.state}`)
          if (side.kind === 'secret-mysql') {
            // The socket never connected: the server never saw this connection.
            expect(reached).toBe(false)
          }
        }
      })
      expect(traces.ours).toEqual(traces.raw)
      expect(traces.raw).toContain("idle 'error' a fatal=true error")
      // mysql2's socket still reached the server and could not write the login; ours never
      // connected and says why.
      for (const error of errors.mysql2 ?? []) {
        expect(error).toMatchObject({
          code: 'ERR_STREAM_WRITE_AFTER_END',
          message: 'write after end',
        })
      }
      for (const error of errors['secret-mysql'] ?? []) {
        expect(error).toMatchObject({ name: 'SecretClientError', code: 'ABORTED' })
      }
      const sessions = (await acct.maria.query(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
        [acct.account],
      )) as Array<{ n: number }>
      expect(Number(sessions[0]?.n)).toBe(0)
    })
  },
)
