import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Socket } from 'node:net'
import { inspect } from 'node:util'
import { SecretCacheClient, SecretClientError } from '@org/secret-client'
import {
  describeWithServer,
  printedPart,
  probeMariaDb,
  type RotatingAccount,
  rotatingAccount,
} from '@org/test-support'
import mysql2 from 'mysql2'
import mysql2Promise from 'mysql2/promise'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import secretMysql, * as named from '../src/index.js'
import {
  connectionInternals,
  mysql2Version,
  poolClusterInternals,
  poolInternals,
} from '../src/mysql2-internals.js'
import secretPromise, * as namedPromise from '../src/promise.js'

const require = createRequire(import.meta.url)

describe('option validation', () => {
  const client = new SecretCacheClient({
    fetcher: { fetchSecret: () => Promise.reject(new Error('unused')) },
  })
  afterAll(() => client.close())

  const withClient = (extra: Record<string, unknown>) => ({
    secretName: 's',
    secretClient: client,
    ...extra,
  })

  it.each([
    ['no options', undefined],
    ['a URI string', 'mysql://u:p@h/db'],
    ['no secretName', { host: 'h' }],
    ['an empty secretName', { secretName: '' }],
    ['a blank secretName', { secretName: '  ' }],
    ['a password next to the secret', { secretName: 's', password: 'p' }],
    ['a user next to the secret', { secretName: 's', user: 'u' }],
    ['a password1 (multi-factor) next to the secret', { secretName: 's', password1: 'p' }],
    ['a password2 (multi-factor) next to the secret', { secretName: 's', password2: 'p' }],
    ['a password3 (multi-factor) next to the secret', { secretName: 's', password3: 'p' }],
    ['a passwordSha1 next to the secret', { secretName: 's', passwordSha1: 'p' }],
    ['an empty password next to the secret', { secretName: 's', password: '' }],
    ['a stream', withClient({ stream: () => new Socket() })],
    [
      'a secretClient without refreshNow',
      { secretName: 's', secretClient: { getDatabaseCredentials() {} } },
    ],
    ['a bad recycleIdleOnRotation', withClient({ recycleIdleOnRotation: 'yes' })],
    ['a rotationRetry that is not an object', withClient({ rotationRetry: 3 })],
    ['a rotationRetry array', withClient({ rotationRetry: [] })],
    ['rotationRetry.maxAttempts 0', withClient({ rotationRetry: { maxAttempts: 0 } })],
    ['a string rotationRetry.maxAttempts', withClient({ rotationRetry: { maxAttempts: '3' } })],
    ['a negative rotationRetry.maxTimeMs', withClient({ rotationRetry: { maxTimeMs: -1 } })],
    ['a NaN rotationRetry.baseDelayMs', withClient({ rotationRetry: { baseDelayMs: Number.NaN } })],
    [
      'an infinite rotationRetry.maxDelayMs',
      withClient({ rotationRetry: { maxDelayMs: Number.POSITIVE_INFINITY } }),
    ],
    ['a uri that is not a string', withClient({ uri: 42 })],
    ['a uri that does not parse', withClient({ uri: 'not a uri' })],
    ['a uri with a user', withClient({ uri: 'mysql://app@db.internal/orders' })],
    ['a uri with a password', withClient({ uri: 'mysql://:hunter2@db.internal/orders' })],
    ['a uri with ?password=', withClient({ uri: 'mysql://db.internal/orders?password=hunter2' })],
    ['a uri with an empty ?password=', withClient({ uri: 'mysql://db.internal/orders?password=' })],
    ['a uri with ?user=', withClient({ uri: 'mysql://db.internal/orders?user=hunter2' })],
  ])('rejects %s with SecretClientError INVALID_CONFIG, synchronously', (_label, options) => {
    for (const factory of [
      named.createPool,
      named.createConnection,
      named.connect,
      named.createConnectionPromise,
      named.createPoolPromise,
      namedPromise.createPool,
      namedPromise.createConnection,
      (o: unknown) => {
        const cluster = named.createPoolCluster()
        try {
          cluster.add('node', o as never)
        } finally {
          cluster.end()
        }
      },
      (o: unknown) => {
        const cluster = namedPromise.createPoolCluster()
        try {
          cluster.add('node', o as never)
        } finally {
          void cluster.end()
        }
      },
    ]) {
      let thrown: unknown
      try {
        factory(options as never)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(SecretClientError)
      expect(thrown).toMatchObject({ name: 'SecretClientError', code: 'INVALID_CONFIG' })
      expect(String((thrown as Error).message)).not.toContain('hunter2')
    }
  })

  it('accepts every valid rotationRetry, an unlimited maxAttempts included', () => {
    for (const rotationRetry of [
      {},
      { maxAttempts: Number.POSITIVE_INFINITY },
      { maxAttempts: 1, maxTimeMs: 0, baseDelayMs: 0, maxDelayMs: 0 },
    ]) {
      const pool = named.createPool(withClient({ rotationRetry }))
      pool.end()
    }
  })

  it('rejects a NaN rotationRetry.maxAttempts', () => {
    expect(() =>
      named.createPool(withClient({ rotationRetry: { maxAttempts: Number.NaN } })),
    ).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }))
  })

  it('the promise createConnection throws INVALID_CONFIG synchronously, before any connection attempt', () => {
    const fetchSecret = vi.fn(() => Promise.reject(new Error('unused')))
    const spy = new SecretCacheClient({ fetcher: { fetchSecret } })
    try {
      for (const options of [
        { secretName: '' },
        { secretName: 's', secretClient: spy, rotationRetry: { maxAttempts: 0 } },
      ]) {
        expect(() => namedPromise.createConnection(options)).toThrow(
          expect.objectContaining({ name: 'SecretClientError', code: 'INVALID_CONFIG' }),
        )
      }
      expect(fetchSecret).not.toHaveBeenCalled()
    } finally {
      void spy.close()
    }
  })

  it("as mysql2/promise throws its own option errors synchronously, so do ours (mysql2's TypeError)", () => {
    for (const bad of [{ charset: 'no-such-charset' }, { ssl: 'NoSuchProfile' }]) {
      const thrown = (create: () => unknown) => {
        try {
          const result = create()
          ;(result as Promise<unknown> | undefined)?.catch?.(() => {})
          return 'returned'
        } catch (error) {
          return `${(error as Error).constructor.name}: ${(error as Error).message}`
        }
      }
      const reference = thrown(() => mysql2Promise.createConnection(bad))
      expect(reference).toMatch(/^TypeError: Unknown/)
      expect(thrown(() => namedPromise.createConnection(withClient(bad)))).toBe(reference)
      expect(thrown(() => named.createConnection(withClient(bad)))).toBe(
        thrown(() => mysql2.createConnection(bad)),
      )
      expect(thrown(() => namedPromise.createPool(withClient(bad)))).toBe(
        thrown(() => mysql2Promise.createPool(bad)),
      )
    }
  })

  it('recycleIdleOnRotation is rejected for a single connection and accepted for pools', () => {
    for (const createConnection of [
      named.createConnection,
      named.createConnectionPromise,
      namedPromise.createConnection,
    ]) {
      expect(() => createConnection(withClient({ recycleIdleOnRotation: true }) as never)).toThrow(
        expect.objectContaining({
          name: 'SecretClientError',
          code: 'INVALID_CONFIG',
          message: 'recycleIdleOnRotation applies to pools only',
        }),
      )
    }
    for (const recycleIdleOnRotation of [true, false]) {
      const options = withClient({ recycleIdleOnRotation })
      named.createPool(options).end()
      void namedPromise.createPool(options).end()
      const cluster = named.createPoolCluster()
      cluster.add('a', options)
      cluster.end()
      const promiseCluster = namedPromise.createPoolCluster()
      promiseCluster.add('a', options)
      void promiseCluster.end()
    }
  })

  it('a pool cluster node with bad options is rejected', () => {
    const cluster = named.createPoolCluster()
    expect(() => cluster.add('a', { secretName: 's', password: 'x' } as never)).toThrow(
      SecretClientError,
    )
    expect(() =>
      cluster.add('b', withClient({ rotationRetry: { maxAttempts: -1 } }) as never),
    ).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }))
    cluster.end()
  })

  it('there is one error family: no SecretMysqlError export', () => {
    expect('SecretMysqlError' in named).toBe(false)
    expect('SecretMysqlError' in namedPromise).toBe(false)
  })
})

describe('mysql2 version', () => {
  it('the peer range is mysql2 3 from 3.23.3, the first copying the config per pooled connection', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { peerDependencies: Record<string, string> }
    expect(manifest.peerDependencies.mysql2).toBe('>=3.23.3 <4')
  })

  it('refuses a mysql2 pool without per-connection config copies (older than 3.23.3)', () => {
    const { Pool } = mysql2 as unknown as { Pool: { prototype: object } }
    const base = Object.getPrototypeOf(Pool.prototype) as Record<string, unknown>
    const copy = base._createConnectionConfig
    expect(typeof copy).toBe('function')
    delete base._createConnectionConfig
    try {
      const options = withoutPool()
      for (const factory of [named.createPool, namedPromise.createPool]) {
        expect(() => factory(options)).toThrow(
          expect.objectContaining({ name: 'SecretClientError', code: 'INVALID_CONFIG' }),
        )
      }
      const cluster = named.createPoolCluster()
      expect(() => cluster.add('a', options)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG' }),
      )
      cluster.end()
    } finally {
      base._createConnectionConfig = copy
    }
  })
})

describe('mysql2 internals check (an older or changed mysql2 is refused, never run half-working)', () => {
  const refused = (check: () => unknown, member: string) => {
    let thrown: unknown
    try {
      check()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(SecretClientError)
    expect(thrown).toMatchObject({ code: 'INVALID_CONFIG' })
    const message = String((thrown as Error).message)
    expect(message).toContain(`mysql2 ${mysql2Version} lacks`)
    expect(message).toContain('needs mysql2 >=3.23.3 <4')
    expect(message).toContain(member)
  }

  /** A pool as mysql2 3.23.3+ builds it, as far as the check looks. */
  const fakePool = () => ({
    _createConnectionConfig() {},
    _freeConnections: { length: 0, get: () => undefined },
    _allConnections: { length: 0 },
    _closed: false,
    config: { connectionLimit: 10, connectionConfig: {} },
  })

  /** A connection just constructed by mysql2 3.x, as far as the check looks. */
  const fakeConnection = () => ({
    stream: {},
    authorized: false,
    _command: { start() {}, clientFlags: 0, prependOnceListener() {} },
  })

  it('names the installed version', () => {
    expect(mysql2Version).toBe(
      (
        JSON.parse(readFileSync(require.resolve('mysql2/package.json'), 'utf8')) as {
          version: string
        }
      ).version,
    )
  })

  it('poolInternals accepts a current pool and refuses one lacking a member', () => {
    const pool = fakePool()
    expect(poolInternals(pool)).toBe(pool)
    refused(
      () => poolInternals({ ...fakePool(), _createConnectionConfig: undefined }),
      '_createConnectionConfig() (a config copy per connection, 3.23.3)',
    )
    refused(
      () => poolInternals({ ...fakePool(), _freeConnections: [] as unknown as object }),
      'Pool#_freeConnections',
    )
    refused(
      () => poolInternals({ ...fakePool(), _allConnections: undefined }),
      'Pool#_allConnections',
    )
    refused(() => poolInternals({ ...fakePool(), _closed: undefined }), 'Pool#_closed')
    refused(() => poolInternals({ ...fakePool(), config: { connectionLimit: 10 } }), 'Pool#config')
  })

  it('connectionInternals accepts a current connection and refuses one lacking a member', () => {
    const connection = fakeConnection()
    expect(connectionInternals(connection)).toEqual({ connection, handshake: connection._command })
    refused(
      () => connectionInternals({ ...fakeConnection(), stream: undefined }),
      'Connection#stream',
    )
    refused(
      () => connectionInternals({ ...fakeConnection(), authorized: 0 }),
      'Connection#authorized',
    )
    refused(
      () => connectionInternals({ ...fakeConnection(), _command: null }),
      'the ClientHandshake command as Connection#_command',
    )
    refused(
      () => connectionInternals({ ...fakeConnection(), _command: { start() {}, clientFlags: 0 } }),
      'the ClientHandshake command as Connection#_command',
    )
  })

  it('poolClusterInternals refuses a cluster without _nodes', () => {
    refused(() => poolClusterInternals({}), 'PoolCluster#_nodes')
    const cluster = { _nodes: {} }
    expect(poolClusterInternals(cluster)).toBe(cluster)
  })
})

/** Pool options whose client is never used. */
function withoutPool() {
  return {
    secretName: 's',
    secretClient: new SecretCacheClient({
      fetcher: { fetchSecret: () => Promise.reject(new Error('unused')) },
    }),
    connectionLimit: 1,
  }
}

describe('exports mirror mysql2', () => {
  it('the default export is mysql2 with secret-aware factories', () => {
    expect(secretMysql.createPool).toBe(named.createPool)
    expect(secretMysql.createConnection).toBe(named.createConnection)
    expect(secretMysql.connect).toBe(named.createConnection)
    expect(secretMysql.createPoolCluster).toBe(named.createPoolCluster)
    expect(secretMysql.escape).toBe(mysql2.escape)
    expect(secretMysql.format('SELECT ?', [1])).toBe('SELECT 1')
    expect(secretMysql.Types.LONG).toBe(mysql2.Types.LONG)
    expect(named.Connection).toBe(mysql2.Connection)
    expect(named.raw).toBe(mysql2.raw)
  })

  it('the promise default export is mysql2/promise with secret-aware factories', () => {
    expect(secretPromise.createPool).toBe(namedPromise.createPool)
    expect(secretPromise.createConnection).toBe(namedPromise.createConnection)
    expect(secretPromise.createPoolCluster).toBe(namedPromise.createPoolCluster)
    expect(secretPromise.escapeId('a')).toBe('`a`')
    expect(namedPromise.format('SELECT ?', ['a'])).toBe("SELECT 'a'")
  })
})

let acct: RotatingAccount

/** A JSON.stringify replacer writing each object once (a connection's config points back at its pool). */
function onceEach(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>()
  return (_key, value) => {
    if (typeof value !== 'object' || value === null) return value
    if (seen.has(value)) return undefined
    seen.add(value)
    return value
  }
}

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'promise API', () => {
  beforeEach(async () => {
    acct = await rotatingAccount('prom')
  })
  afterEach(() => acct.cleanup())

  it('mysql2 never sees the secret options (no "invalid configuration option" warning)', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const messages = () => [...error.mock.calls, ...warn.mock.calls].flat().map(String)
    try {
      // The spies see mysql2's warning when it is given an option it does not know.
      mysql2.createPool({ secretName: 'x' } as never).end()
      expect(
        messages().some(
          (m) => m.includes('invalid configuration option') && m.includes('secretName'),
        ),
      ).toBe(true)
      error.mockClear()
      warn.mockClear()

      const secret = { rotationRetry: { maxAttempts: 2 }, versionStage: 'ACSCurrent' }
      const connection = await namedPromise.createConnection({ ...acct.options(), ...secret })
      await connection.end()
      const callbackConnection = named.createConnection({ ...acct.options(), ...secret })
      await new Promise<void>((resolve) => callbackConnection.end(() => resolve()))
      const pool = namedPromise.createPool({
        ...acct.options(),
        ...secret,
        recycleIdleOnRotation: true,
      })
      await pool.query('SELECT 1')
      await pool.end()
      const cluster = namedPromise.createPoolCluster()
      cluster.add('a', { ...acct.options(), ...secret, recycleIdleOnRotation: false })
      await cluster.of('a').query('SELECT 1')
      await cluster.end()
      expect(messages()).toEqual([])
    } finally {
      error.mockRestore()
      warn.mockRestore()
    }
  })

  it('util.inspect and JSON.stringify of a pool and its connections never show the password; changeUser still uses it', async () => {
    const secret = printedPart(acct.password())
    const rawPool = mysql2Promise.createPool({
      host: acct.maria.host,
      port: acct.maria.port,
      user: acct.account,
      password: acct.password(),
      database: acct.database,
    })
    const pool = namedPromise.createPool({ ...acct.options(), connectionLimit: 2 })
    try {
      await rawPool.query('SELECT 1')
      // What this changes: raw mysql2 shows it.
      expect(inspect(rawPool, { depth: Number.POSITIVE_INFINITY })).toContain(secret)
      const held = await pool.getConnection()
      const rendered = [
        inspect(pool, { depth: Number.POSITIVE_INFINITY }),
        inspect(held, { depth: Number.POSITIVE_INFINITY }),
        JSON.stringify(
          (held as unknown as { connection: { config: object } }).connection.config,
          onceEach(),
        ),
      ]
      for (const text of rendered) expect(text).not.toContain(secret)
      // mysql2 reads it again for changeUser() without a password: still there.
      await held.changeUser({ database: acct.database })
      const [rows] = await held.query<named.RowDataPacket[]>('SELECT CURRENT_USER() AS me')
      expect(String(rows[0]?.me)).toMatch(new RegExp(`^${acct.account}@`))
      held.release()
      const callbackConnection = named.createConnection(acct.options())
      await new Promise<void>((resolve, reject) =>
        callbackConnection.query('SELECT 1', (err) => (err ? reject(err) : resolve())),
      )
      expect(inspect(callbackConnection, { depth: Number.POSITIVE_INFINITY })).not.toContain(secret)
      await new Promise<void>((resolve) => callbackConnection.end(() => resolve()))
    } finally {
      await pool.end()
      await rawPool.end()
    }
  })

  it('user and password come from the secret; connection errors never show the password', async () => {
    const connection = await namedPromise.createConnection(acct.options())
    try {
      const [rows] = await connection.query<named.RowDataPacket[]>('SELECT CURRENT_USER() AS me')
      expect(String(rows[0]?.me)).toMatch(new RegExp(`^${acct.account}@`))
      // As with raw mysql2, the connection's own config holds the password it logged in with
      // (mysql2 reads it again for changeUser); the README says so.
      const core = (connection as unknown as { connection: { config: { password?: string } } })
        .connection
      expect(core.config.password).toBe(acct.password())
    } finally {
      await connection.end()
    }
    const err = await namedPromise
      .createConnection({ ...acct.options(), port: 1 })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ECONNREFUSED' })
    expect(inspect(err)).not.toContain(printedPart(acct.password()))
    expect(JSON.stringify(err)).not.toContain(printedPart(acct.password()))
  })

  it('the database comes from the secret when not given', async () => {
    // A generic JSON secret carrying the database too.
    const client = new SecretCacheClient({
      fetcher: {
        fetchSecret: async () => ({
          secretName: 'db/json',
          versionId: 'v1',
          secretValue: JSON.stringify({
            username: acct.account,
            password: acct.password(),
            host: acct.maria.host,
            port: acct.maria.port,
            database: acct.database,
          }),
        }),
      },
    })
    try {
      const connection = await namedPromise.createConnection({
        secretName: 'db/json',
        secretClient: client,
      })
      const [rows] = await connection.query<named.RowDataPacket[]>('SELECT DATABASE() AS db')
      expect(rows[0]?.db).toBe(acct.database)
      await connection.end()
    } finally {
      await client.close()
    }
  })

  it('a single connection killed by the server fails its next query without crashing', async () => {
    const connection = await namedPromise.createConnection(acct.options())
    await acct.maria.query(`KILL ${connection.threadId}`)
    await expect(connection.query('SELECT 1')).rejects.toMatchObject({ fatal: true })
    // No statement is replayed on a new session: the caller decides.
    const rows = (await acct.maria.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
      [acct.account],
    )) as Array<{ n: number }>
    expect(Number(rows[0]?.n)).toBe(0)
    connection.destroy()
  })

  it('promise pool cluster nodes authenticate through the secret', async () => {
    const cluster = namedPromise.createPoolCluster()
    cluster.add('a', { ...acct.options(), connectionLimit: 1 })
    await acct.rotate()
    const [rows] = await cluster.of('a').query('SELECT 8 AS n')
    expect((rows as named.RowDataPacket[])[0]?.n).toBe(8)
    await cluster.end()
  })
})
