import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { SecretCacheClient, SecretClientError } from '@org/secret-client'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import mysql2 from 'mysql2'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import secretMysql, * as named from '../src/index.js'
import secretPromise, * as namedPromise from '../src/promise.js'
import { type RotatingAccount, rotatingAccount } from './helpers/rotating-account.js'

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
    ['a password next to the secret', { secretName: 's', password: 'p' }],
    ['a user next to the secret', { secretName: 's', user: 'u' }],
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
  ])('rejects %s with SecretClientError INVALID_CONFIG, synchronously', (_label, options) => {
    for (const factory of [named.createPool, named.createConnection, namedPromise.createPool]) {
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

  it('the promise createConnection rejects the same way, before any connection attempt', async () => {
    const fetchSecret = vi.fn(() => Promise.reject(new Error('unused')))
    const spy = new SecretCacheClient({ fetcher: { fetchSecret } })
    try {
      await expect(namedPromise.createConnection({ secretName: '' })).rejects.toMatchObject({
        name: 'SecretClientError',
        code: 'INVALID_CONFIG',
      })
      await expect(
        namedPromise.createConnection({
          secretName: 's',
          secretClient: spy,
          rotationRetry: { maxAttempts: 0 },
        }),
      ).rejects.toMatchObject({ name: 'SecretClientError', code: 'INVALID_CONFIG' })
      expect(fetchSecret).not.toHaveBeenCalled()
    } finally {
      await spy.close()
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
  it('the peer range starts at 3.23.3, the first mysql2 copying the config per pooled connection', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { peerDependencies: Record<string, string> }
    expect(manifest.peerDependencies.mysql2).toBe('>=3.23.3')
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

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'promise API', () => {
  beforeEach(async () => {
    acct = await rotatingAccount('prom')
  })
  afterEach(() => acct.cleanup())

  it('mysql2 never sees the secret options (no "invalid configuration option" warning)', async () => {
    const warn = vi.spyOn(console, 'error').mockImplementation(() => {})
    const log = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const connection = await namedPromise.createConnection({
        ...acct.options(),
        recycleIdleOnRotation: true,
      })
      await connection.end()
      const pool = namedPromise.createPool({ ...acct.options(), rotationRetry: { maxAttempts: 2 } })
      await pool.query('SELECT 1')
      await pool.end()
      const messages = [...warn.mock.calls, ...log.mock.calls].flat().map(String)
      expect(messages.filter((m) => m.includes('secret') || m.includes('rotation'))).toEqual([])
    } finally {
      warn.mockRestore()
      log.mockRestore()
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
    expect(inspect(err)).not.toContain(acct.password())
    expect(JSON.stringify(err)).not.toContain(acct.password())
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
