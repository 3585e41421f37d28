import { isSecretClientError, SecretClientError } from '@org/secret-client'
import pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import { Client, Pool } from '../src/index.js'
import { clientInternals, pgVersion, poolInternals } from '../src/pg-internals.js'

const source = {
  getDatabaseCredentials: () => Promise.reject(new Error('unused')),
  refreshNow: () => Promise.reject(new Error('unused')),
}

function configError(make: () => unknown): SecretClientError {
  try {
    make()
  } catch (error) {
    expect(isSecretClientError(error, 'INVALID_CONFIG')).toBe(true)
    return error as SecretClientError
  }
  throw new Error('expected INVALID_CONFIG')
}

describe('options', () => {
  it('requires a secretName', () => {
    for (const config of [
      undefined,
      null,
      'postgres://u:p@h/db',
      {},
      { secretName: '' },
      { secretName: ' ' },
      { secretName: '  ' },
      { secretName: '\t\n' },
      { secretName: 42 },
    ]) {
      configError(() => new Client(config as never))
      configError(() => new Pool(config as never))
    }
  })

  it('refuses user and password, which the secret provides, without echoing them', () => {
    const error = configError(
      () => new Client({ secretName: 's', password: 'hunter2-value' } as never),
    )
    expect(error.message).toContain('"password"')
    expect(error.message).not.toContain('hunter2-value')
    configError(() => new Pool({ secretName: 's', user: 'app' } as never))
  })

  it('refuses a password function, which pg would call for the password', () => {
    configError(() => new Client({ secretName: 's', password: async () => 'x' } as never))
    configError(() => new Pool({ secretName: 's', password: () => 'x' } as never))
  })

  it('refuses a connectionString carrying credentials, without echoing them', () => {
    for (const connectionString of [
      'postgres://user-value-xyz:hunter2-value@db.internal/app',
      'postgres://user-value-xyz@db.internal/app',
      'postgres://:hunter2-value@db.internal/app',
      'postgres://db.internal/app?password=hunter2-value',
      'postgres://db.internal/app?user=user-value-xyz',
      'postgresql://db.internal:5433/app?sslmode=disable&password=hunter2-value',
    ]) {
      for (const make of [
        () => new Client({ secretName: 's', secretClient: source, connectionString }),
        () => new Pool({ secretName: 's', secretClient: source, connectionString }),
      ]) {
        const error = configError(make)
        expect(error.message).toMatch(/connectionString cannot carry "(user|password)"/)
        expect(error.message).not.toContain('hunter2-value')
        expect(error.message).not.toContain('user-value-xyz')
        expect(error.message).not.toContain('db.internal')
      }
    }
  })

  it('accepts a connectionString with a location only, a socket directory too, as pg reads it', () => {
    for (const connectionString of [
      'postgres://db.internal:5433/app?application_name=x',
      '/var/run/postgresql mydb',
      'socket:/var/run/postgresql?db=mydb',
    ]) {
      const client = new Client({ secretName: 's', secretClient: source, connectionString })
      const raw = new pg.Client({ connectionString })
      expect([client.host, client.port, client.database]).toEqual([
        raw.host,
        raw.port,
        raw.database,
      ])
      new Pool({ secretName: 's', secretClient: source, connectionString }).end()
    }
  })

  it("keeps a socket-dir connectionString's location over the secret's, as pg connects to it", async () => {
    // A directory with no server: both fail at the socket (no login attempted anywhere).
    const connectionString = '/tmp/secret-pg-no-such-dir mydb'
    const raw = new pg.Client({ connectionString, user: 'app', password: 'pw' })
    const rawError = await raw.connect().then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    )
    // The secret's host and database apply only where the options give none.
    const client = new Client({
      secretName: 's',
      connectionString,
      secretClient: {
        ...source,
        getDatabaseCredentials: async () => ({
          username: 'app',
          password: 'pw',
          host: 'elsewhere.invalid',
          database: 'other',
          versionId: 'v1',
          secretName: 's',
        }),
      },
    })
    const error = await client.connect().then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    )
    expect(error).toMatchObject({ code: 'ENOENT' })
    expect([error?.constructor, error?.code, error?.message]).toEqual([
      rawError?.constructor,
      rawError?.code,
      rawError?.message,
    ])
    expect([client.host, client.port, client.database, client.user]).toEqual([
      '/tmp/secret-pg-no-such-dir',
      5432,
      'mydb',
      'app',
    ])
    await Promise.all([raw.end(), client.end()])
  })

  it('refuses a stream (the connection opens its own socket once the secret is read)', () => {
    for (const stream of [() => ({}), {}]) {
      const error = configError(() => new Client({ secretName: 's', stream } as never))
      expect(error.message).toContain('"stream"')
      configError(() => new Pool({ secretName: 's', stream } as never))
    }
  })

  it('refuses a Client class for a Pool', () => {
    const error = configError(() => new Pool({ secretName: 's', Client: class {} } as never))
    expect(error.message).toContain('"Client"')
    configError(() => new Pool({ secretName: 's', Client: pg.Client } as never))
  })

  it('takes recycleIdleOnRotation for a Pool only', async () => {
    const error = configError(
      () =>
        new Client({ secretName: 's', secretClient: source, recycleIdleOnRotation: true } as never),
    )
    expect(error.message).toContain('recycleIdleOnRotation')
    configError(
      () =>
        new Client({
          secretName: 's',
          secretClient: source,
          recycleIdleOnRotation: false,
        } as never),
    )
    for (const recycleIdleOnRotation of [true, false]) {
      await new Pool({ secretName: 's', secretClient: source, recycleIdleOnRotation }).end()
    }
  })

  it('checks the secret options', () => {
    configError(() => new Client({ secretName: 's', secretClient: {} as never }))
    configError(() => new Client({ secretName: 's', versionStage: '' }))
    configError(() => new Client({ secretName: 's', rotationRetry: 5 as never }))
    configError(
      () =>
        new Pool({ secretName: 's', secretClient: source, recycleIdleOnRotation: 'no' as never }),
    )
  })

  it('rejects a bad retry budget with INVALID_CONFIG when the options are given', () => {
    for (const rotationRetry of [{ maxAttempts: 0 }, { maxTimeMs: Number.NaN }, 'fast']) {
      expect(
        () => new Client({ secretName: 's', secretClient: source, rotationRetry } as never),
      ).toThrow(expect.objectContaining({ name: 'SecretClientError', code: 'INVALID_CONFIG' }))
      expect(
        () => new Pool({ secretName: 's', secretClient: source, rotationRetry } as never),
      ).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }))
    }
  })

  it('passes secret errors through', async () => {
    const notFound = new SecretClientError('SECRET_NOT_FOUND', 'no such secret')
    const client = new Client({
      secretName: 's',
      secretClient: { ...source, getDatabaseCredentials: () => Promise.reject(notFound) },
    })
    await expect(client.connect()).rejects.toBe(notFound)
    // the callback form reports it too
    const other = new Client({
      secretName: 's',
      secretClient: { ...source, getDatabaseCredentials: () => Promise.reject(notFound) },
    })
    const viaCallback = await new Promise((resolve) => other.connect((err: Error) => resolve(err)))
    expect(viaCallback).toBe(notFound)
  })

  it('leaves pg defaults alone: the Pool keeps pg-pool option handling', async () => {
    const pool = new Pool({ secretName: 's', secretClient: source, max: 3 })
    const raw = new pg.Pool({ max: 3 })
    expect(pool.options.max).toBe(3)
    expect(pool.options.idleTimeoutMillis).toBe(10_000)
    // No listener of ours: an idle client's error with nobody listening is unhandled, as in pg.
    expect(pool.listenerCount('error')).toBe(raw.listenerCount('error'))
    expect(pool.eventNames()).toEqual(raw.eventNames())
    expect('Client' in pool.options).toBe(false)
    await Promise.all([pool.end(), raw.end()])
  })
})

describe('the pg internals check', () => {
  const pgVersionError = (member: string) =>
    expect.objectContaining({
      code: 'INVALID_CONFIG',
      message: `@org/secret-pg needs pg >=8.7.3 <9; pg ${pgVersion} lacks ${member}`,
    })

  it('refuses a pg whose Client lacks _connect()', async () => {
    // The prototype check runs once per process: a fresh copy of the module runs it again.
    vi.resetModules()
    const fresh = await import('../src/pg-internals.js')
    expect(fresh.clientInternals).not.toBe(clientInternals)
    const prototype = pg.Client.prototype as unknown as Record<string, unknown>
    const saved = Object.getOwnPropertyDescriptor(prototype, '_connect')
    expect(saved).toBeDefined()
    delete prototype._connect
    try {
      expect(() => fresh.clientInternals(new pg.Client())).toThrow(
        pgVersionError('Client#_connect()'),
      )
      // Refused, not cached as checked.
      expect(() => fresh.clientInternals(new pg.Client())).toThrow(
        pgVersionError('Client#_connect()'),
      )
    } finally {
      Object.defineProperty(prototype, '_connect', saved as PropertyDescriptor)
    }
    expect(() => fresh.clientInternals(new pg.Client())).not.toThrow()
    expect(new Client({ secretName: 's', secretClient: source })).toBeInstanceOf(pg.Client)
  })

  it("names a missing member of a pg Client's instance", () => {
    const complete = {
      connection: { stream: {} },
      connectionParameters: {},
      _connecting: false,
      _ending: false,
      _connectionTimeoutMillis: 0,
    }
    expect(clientInternals(complete)).toBe(complete)
    for (const [member, name] of [
      ['connection', 'Client#connection.stream'],
      ['connectionParameters', 'Client#connectionParameters'],
      ['_connecting', 'Client#_connecting'],
      ['_ending', 'Client#_ending'],
      ['_connectionTimeoutMillis', 'Client#_connectionTimeoutMillis'],
    ] as const) {
      const { [member]: _, ...lacking } = complete
      expect(() => clientInternals(lacking), member).toThrow(pgVersionError(name))
    }
  })

  it('names a missing member of a pg-pool Pool', () => {
    const complete = {
      Client: class {},
      _clients: [],
      _idle: [],
      _expired: new WeakSet(),
      _remove() {},
      _pulseQueue() {},
    }
    expect(poolInternals(complete)).toBe(complete)
    for (const [member, name] of [
      ['Client', 'Pool#Client (pg-pool)'],
      ['_clients', 'Pool#_clients (pg-pool)'],
      ['_idle', 'Pool#_idle (pg-pool)'],
      ['_expired', 'Pool#_expired (pg-pool >= 3.5)'],
      ['_remove', 'Pool#_remove() (pg-pool)'],
      ['_pulseQueue', 'Pool#_pulseQueue() (pg-pool)'],
    ] as const) {
      const { [member]: _, ...lacking } = complete
      expect(() => poolInternals(lacking), member).toThrow(pgVersionError(name))
    }
  })
})
