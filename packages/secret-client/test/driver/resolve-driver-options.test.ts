import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { closeDefaultSecretClient, defaultSecretClient } from '../../src/default-secret-client.js'
import {
  credentialFields,
  type DriverOptionsSpec,
  type GivenLocation,
  resolveDriverOptions,
  withCredentials,
} from '../../src/driver/resolve-driver-options.js'
import type { DatabaseSecretSource } from '../../src/driver/rotation-attempt.js'
import { DEFAULT_ROTATION_RETRY } from '../../src/driver/rotation-retry.js'
import { isSecretClientError, SecretClientError } from '../../src/errors.js'
import type { DatabaseCredentials } from '../../src/types.js'

const CANARY = 'canary-pw-1234'

const POOL: DriverOptionsSpec = { kind: 'pool', credentialKeys: ['user', 'password'] }
const CONNECTION: DriverOptionsSpec = { kind: 'connection', credentialKeys: ['user', 'password'] }
const WITH_URL: DriverOptionsSpec = {
  kind: 'pool',
  credentialKeys: ['user', 'password'],
  url: { key: 'uri' },
}

const source: DatabaseSecretSource = {
  getDatabaseCredentials: async () => {
    throw new Error('not used')
  },
  refreshNow: async () => ({ versionId: 'v1' }),
}

/** The error `resolveDriverOptions(options, spec)` throws, failing the test when it does not. */
function rejection(options: unknown, spec: DriverOptionsSpec = POOL): SecretClientError {
  try {
    resolveDriverOptions(options, spec)
  } catch (err) {
    expect(err).toBeInstanceOf(SecretClientError)
    return err as SecretClientError
  }
  throw new Error('resolveDriverOptions did not throw')
}

/** Every way an error may end up printed or logged, its cause chain included. */
function renderings(err: unknown): string[] {
  const out: string[] = []
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 10; depth++) {
    out.push(String(e), inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e) ?? '')
    if (e instanceof Error) out.push(e.message, e.stack ?? '')
    e = e instanceof Error ? e.cause : undefined
  }
  return out
}

function expectInvalidConfig(
  options: unknown,
  spec: DriverOptionsSpec,
  named: string | RegExp,
): SecretClientError {
  const err = rejection(options, spec)
  expect(err.code).toBe('INVALID_CONFIG')
  expect(isSecretClientError(err, 'INVALID_CONFIG')).toBe(true)
  expect(err.message).toMatch(named)
  for (const text of renderings(err)) expect(text).not.toContain(CANARY)
  return err
}

describe('resolveDriverOptions: INVALID_CONFIG', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a function', () => ({ secretName: 'db' })],
    ['an array', [{ secretName: 'db' }]],
    ['a URL string', `postgres://app:${CANARY}@db.example:5432/app`],
    ['a plain string', CANARY],
  ])('rejects options that are %s', (_label, options) => {
    expectInvalidConfig(options, POOL, /options must be an object/)
  })

  it.each([
    ['missing', { password: CANARY }],
    ['a number', { secretName: 42 }],
    ['null', { secretName: null }],
    ['an object', { secretName: { name: CANARY } }],
    ['empty', { secretName: '' }],
    ['whitespace only', { secretName: ' \t\n ' }],
  ])('rejects a secretName that is %s', (_label, options) => {
    expectInvalidConfig(options, POOL, /secretName must be a non-empty string/)
  })

  it('keeps a valid secretName with surrounding spaces as given, not trimmed', () => {
    const { secret } = resolveDriverOptions({ secretName: '  db/app  ' }, POOL)
    expect(secret.secretName).toBe('  db/app  ')
  })

  it.each([
    ['user', { user: CANARY }],
    ['password', { password: CANARY }],
    ['password', { password: () => CANARY }],
    ['password', { password: async () => CANARY }],
    ['password', { password: null }],
    ['password', { password: '' }],
    ['password2', { password2: CANARY }],
  ])('rejects the credential key "%s" next to secretName, whatever its value', (key, extra) => {
    const spec: DriverOptionsSpec = {
      kind: 'pool',
      credentialKeys: ['user', 'password', 'password2'],
    }
    const err = expectInvalidConfig(
      { secretName: CANARY, ...extra },
      spec,
      new RegExp(`"${key}" cannot be combined with secretName`),
    )
    expect(err.secretName).toBeUndefined()
  })

  it('checks only the keys the spec names as credentials', () => {
    const spec: DriverOptionsSpec = { kind: 'pool', credentialKeys: ['username'] }
    expect(() => resolveDriverOptions({ secretName: 'db', user: 'x' }, spec)).not.toThrow()
    expectInvalidConfig({ secretName: 'db', username: CANARY }, spec, /"username"/)
  })

  it('accepts a credential key explicitly set to undefined', () => {
    expect(() =>
      resolveDriverOptions({ secretName: 'db', user: undefined, password: undefined }, POOL),
    ).not.toThrow()
  })

  it.each([
    ['a number', 5432],
    ['an object', { toString: () => CANARY }],
    ['a URL object', new URL(`postgres://app:${CANARY}@db.example/app`)],
    ['null', null],
  ])('rejects a url option that is %s', (_label, uri) => {
    expectInvalidConfig({ secretName: 'db', uri }, WITH_URL, /uri must be a string/)
  })

  it.each([
    `not a url ${CANARY}`,
    `://${CANARY}`,
    `postgres://app:${CANARY}@[::1`,
    `http://exa mple.com/${CANARY}`,
  ])('rejects an unparsable URL %#, without quoting it or chaining the parser error', (uri) => {
    const err = expectInvalidConfig(
      { secretName: 'db', uri },
      WITH_URL,
      /uri is not a valid connection URL/,
    )
    expect(err.cause).toBeUndefined()
  })

  it("hides a custom parser's error, which may quote the value", () => {
    const spec: DriverOptionsSpec = {
      kind: 'pool',
      credentialKeys: ['user', 'password'],
      url: {
        key: 'connectionString',
        parse(value) {
          throw new Error(`cannot parse ${value}`)
        },
      },
    }
    const err = expectInvalidConfig(
      { secretName: 'db', connectionString: `pg://${CANARY}` },
      spec,
      /connectionString is not a valid connection URL/,
    )
    expect(err.cause).toBeUndefined()
  })

  it.each([
    ['user', `postgres://${CANARY}@db.example/app`],
    ['password', `postgres://:${CANARY}@db.example/app`],
    ['user', `postgres://app:${CANARY}@db.example:5432/app`],
    ['password', `postgres://db.example/app?password=${CANARY}`],
    ['user', `postgres://db.example/app?user=${CANARY}`],
    ['password', `postgres://db.example/app?sslmode=require&password=${CANARY}`],
    // An empty parameter is a value too: a parser may let it override the secret's.
    ['password', 'postgres://db.example/app?password='],
    ['user', 'postgres://db.example/app?user='],
  ])('rejects a URL that carries "%s" (%#)', (name, uri) => {
    expectInvalidConfig(
      { secretName: 'db', uri },
      WITH_URL,
      new RegExp(`uri cannot carry "${name}"`),
    )
  })

  it('rejects a credential key set by a custom URL parser', () => {
    const spec: DriverOptionsSpec = {
      kind: 'connection',
      credentialKeys: ['user', 'password'],
      url: { key: 'connectionString', parse: () => ({ host: 'h', password: CANARY }) },
    }
    expectInvalidConfig(
      { secretName: 'db', connectionString: 'anything' },
      spec,
      /connectionString cannot carry "password"/,
    )
  })

  it('ignores the url key when the spec has no url', () => {
    const { driverOptions } = resolveDriverOptions<{ uri: unknown }>(
      { secretName: 'db', uri: 42 },
      POOL,
    )
    expect(driverOptions.uri).toBe(42)
  })

  it.each([
    ['null', null],
    ['a string', CANARY],
    ['a function', () => source],
    ['an object without refreshNow', { getDatabaseCredentials: async () => ({}) }],
    ['an object without getDatabaseCredentials', { refreshNow: async () => ({}) }],
    [
      'an object whose methods are not functions',
      { getDatabaseCredentials: CANARY, refreshNow: CANARY },
    ],
  ])('rejects a secretClient that is %s', (_label, secretClient) => {
    expectInvalidConfig(
      { secretName: 'db', secretClient },
      POOL,
      /secretClient must have getDatabaseCredentials\(\) and refreshNow\(\)/,
    )
  })

  it.each([
    ['empty', ''],
    ['a number', 1],
    ['null', null],
    ['an object', { stage: CANARY }],
  ])('rejects a versionStage that is %s', (_label, versionStage) => {
    expectInvalidConfig(
      { secretName: 'db', versionStage },
      POOL,
      /versionStage must be a non-empty string/,
    )
  })

  it.each([
    [CANARY, /rotationRetry must be an object/],
    [null, /rotationRetry must be an object/],
    [[1], /rotationRetry must be an object/],
    [{ maxAttempts: 0 }, /rotationRetry\.maxAttempts must be an integer ≥ 1 or Infinity/],
    [{ maxAttempts: CANARY }, /rotationRetry\.maxAttempts must be an integer/],
    [{ maxAttempts: 2.5 }, /rotationRetry\.maxAttempts must be an integer/],
    [{ maxTimeMs: Number.POSITIVE_INFINITY }, /rotationRetry\.maxTimeMs must be a finite number/],
    [{ maxTimeMs: -1 }, /rotationRetry\.maxTimeMs must be a finite number/],
    [{ baseDelayMs: Number.NaN }, /rotationRetry\.baseDelayMs must be a finite number/],
    [{ maxDelayMs: CANARY }, /rotationRetry\.maxDelayMs must be a finite number/],
    [{ maxTime: 1000 }, /Unknown option rotationRetry\."maxTime": did you mean "maxTimeMs"\?/],
  ])('rejects rotationRetry %# naming the field', (rotationRetry, named) => {
    expectInvalidConfig({ secretName: 'db', rotationRetry }, POOL, named)
  })

  it.each(['yes', 1, null, CANARY])(
    'rejects a non-boolean recycleIdleOnRotation (%s) for pools',
    (recycleIdleOnRotation) => {
      expectInvalidConfig(
        { secretName: 'db', recycleIdleOnRotation },
        POOL,
        /recycleIdleOnRotation must be a boolean/,
      )
    },
  )

  it.each([true, false, CANARY])(
    'rejects any recycleIdleOnRotation (%s) for single connections',
    (recycleIdleOnRotation) => {
      expectInvalidConfig(
        { secretName: 'db', recycleIdleOnRotation },
        CONNECTION,
        /recycleIdleOnRotation applies to pools only/,
      )
    },
  )

  it('throws at resolve time, before anything is read', () => {
    let givenCalls = 0
    const spec: DriverOptionsSpec = {
      ...POOL,
      givenLocation: () => {
        givenCalls += 1
        return {}
      },
    }
    expect(() => resolveDriverOptions({ secretName: 'db', versionStage: '' }, spec)).toThrow(
      SecretClientError,
    )
    expect(givenCalls).toBe(0)
  })
})

describe('resolveDriverOptions: result', () => {
  it('returns a shallow copy of the driver options without the secret keys', () => {
    const ssl = { rejectUnauthorized: true }
    const input = {
      secretName: 'db/app',
      secretClient: source,
      versionStage: 'ACSCurrent',
      rotationRetry: { maxAttempts: 3 },
      recycleIdleOnRotation: false,
      host: 'db.example',
      max: 10,
      ssl,
    }
    const snapshot = { ...input }
    const { driverOptions } = resolveDriverOptions<Record<string, unknown>>(input, POOL)
    expect(driverOptions).toEqual({ host: 'db.example', max: 10, ssl })
    expect(driverOptions).not.toBe(input)
    expect(driverOptions.ssl).toBe(ssl)
    // The caller's object is left as it was.
    expect(input).toEqual(snapshot)
    expect(Object.keys(input)).toEqual(Object.keys(snapshot))
  })

  it('returns a frozen secret with the defaults filled in', () => {
    const { secret } = resolveDriverOptions({ secretName: 'db/app' }, POOL)
    expect(Object.isFrozen(secret)).toBe(true)
    expect(Object.isFrozen(secret.given)).toBe(true)
    expect(Object.isFrozen(secret.rotationRetry)).toBe(true)
    expect(secret).toMatchObject({
      secretName: 'db/app',
      versionStage: 'ACSCurrent',
      recycleIdleOnRotation: true,
      given: { host: false, port: false, database: false },
    })
    expect(secret.rotationRetry).toBe(DEFAULT_ROTATION_RETRY)
    expect(() => {
      ;(secret as { secretName: string }).secretName = 'other'
    }).toThrow(TypeError)
  })

  it('keeps the given versionStage and resolves rotationRetry over the defaults', () => {
    const { secret } = resolveDriverOptions(
      { secretName: 'db', versionStage: 'ACSPrevious', rotationRetry: { maxTimeMs: 1_500 } },
      CONNECTION,
    )
    expect(secret.versionStage).toBe('ACSPrevious')
    expect(secret.rotationRetry).toEqual({ ...DEFAULT_ROTATION_RETRY, maxTimeMs: 1_500 })
  })

  it('recycleIdleOnRotation defaults to true for pools and is false for connections', () => {
    expect(resolveDriverOptions({ secretName: 'db' }, POOL).secret.recycleIdleOnRotation).toBe(true)
    expect(
      resolveDriverOptions({ secretName: 'db', recycleIdleOnRotation: true }, POOL).secret
        .recycleIdleOnRotation,
    ).toBe(true)
    expect(
      resolveDriverOptions({ secretName: 'db', recycleIdleOnRotation: false }, POOL).secret
        .recycleIdleOnRotation,
    ).toBe(false)
    expect(
      resolveDriverOptions({ secretName: 'db' }, CONNECTION).secret.recycleIdleOnRotation,
    ).toBe(false)
  })

  it.each([
    [{ host: 'db.example' }, { host: true, port: false, database: false }],
    [{ port: 5432 }, { host: false, port: true, database: false }],
    [{ database: 'app' }, { host: false, port: false, database: true }],
    [
      { host: '', port: 0, database: '' },
      { host: true, port: true, database: true },
    ],
    [
      { hostname: 'x', db: 'y' },
      { host: false, port: false, database: false },
    ],
  ])('computes given from the options %o', (extra, given) => {
    expect(resolveDriverOptions({ secretName: 'db', ...extra }, POOL).secret.given).toEqual(given)
  })

  it.each([
    ['postgres://db.example:6543/app', { host: true, port: true, database: true }],
    ['postgres://db.example/app', { host: true, port: false, database: true }],
    ['postgres://db.example:6543', { host: true, port: true, database: false }],
    ['postgres://db.example/', { host: true, port: false, database: false }],
    ['postgres://db.example/app?sslmode=require', { host: true, port: false, database: true }],
    ['postgres:///app', { host: false, port: false, database: true }],
  ])('computes given from the URL %s', (uri, given) => {
    const { secret, driverOptions } = resolveDriverOptions<{ uri: string }>(
      { secretName: 'db', uri },
      WITH_URL,
    )
    expect(secret.given).toEqual(given)
    expect(driverOptions.uri).toBe(uri)
  })

  it('computes given from a custom URL parser', () => {
    const spec: DriverOptionsSpec = {
      kind: 'pool',
      credentialKeys: ['user', 'password'],
      url: { key: 'connectionString', parse: () => ({ host: 'h', port: '', database: null }) },
    }
    const { secret } = resolveDriverOptions({ secretName: 'db', connectionString: 'x' }, spec)
    expect(secret.given).toEqual({ host: true, port: false, database: false })
  })

  it('computes given from spec.givenLocation, which sees the full options', () => {
    const seen: unknown[] = []
    const spec: DriverOptionsSpec = {
      ...POOL,
      givenLocation(options) {
        seen.push(options)
        return { host: options.socketPath !== undefined, database: true }
      },
    }
    const input = { secretName: 'db', socketPath: '/run/db.sock' }
    const { secret } = resolveDriverOptions(input, spec)
    expect(secret.given).toEqual({ host: true, port: false, database: true })
    expect(seen).toEqual([input])
  })

  it('source() returns the given secretClient', () => {
    const { secret } = resolveDriverOptions({ secretName: 'db', secretClient: source }, POOL)
    expect(secret.source()).toBe(source)
    expect(secret.source()).toBe(source)
  })
})

describe('resolveDriverOptions: an options object resolved again', () => {
  it('is not validated again while unchanged, and each call gets its own copy', () => {
    const seen: unknown[] = []
    const spec: DriverOptionsSpec = {
      ...CONNECTION,
      givenLocation(options) {
        seen.push(options)
        return {}
      },
    }
    const input = { secretName: 'db', host: 'h', rotationRetry: { maxAttempts: 3 } }
    const first = resolveDriverOptions<Record<string, unknown>>(input, spec)
    const second = resolveDriverOptions<Record<string, unknown>>(input, spec)
    expect(seen).toHaveLength(1)
    expect(second.secret).toBe(first.secret)
    expect(second.driverOptions).toEqual(first.driverOptions)
    expect(second.driverOptions).not.toBe(first.driverOptions)
    // A driver completing its copy in place (tedious) does not change the next call's.
    first.driverOptions.options = { connector: () => {} }
    expect(resolveDriverOptions<Record<string, unknown>>(input, spec).driverOptions).toEqual({
      host: 'h',
    })
  })

  it.each<[string, (input: Record<string, unknown>) => void, (secret: unknown) => void]>([
    [
      'a value changed',
      (input) => {
        input.secretName = 'db/other'
      },
      (secret) => expect(secret).toMatchObject({ secretName: 'db/other' }),
    ],
    [
      'a key added',
      (input) => {
        input.database = 'app'
      },
      (secret) => expect(secret).toMatchObject({ given: { database: true } }),
    ],
    [
      'a key removed',
      (input) => {
        delete input.host
      },
      (secret) => expect(secret).toMatchObject({ given: { host: false } }),
    ],
    [
      'a field of its rotationRetry changed',
      (input) => {
        ;(input.rotationRetry as { maxAttempts: number }).maxAttempts = 7
      },
      (secret) => expect(secret).toMatchObject({ rotationRetry: { maxAttempts: 7 } }),
    ],
    [
      'a symbol key added',
      (input) => {
        ;(input as Record<symbol, unknown>)[Symbol('x')] = 1
      },
      (secret) => expect(secret).toMatchObject({ secretName: 'db' }),
    ],
  ])('is resolved again after %s', (_, change, check) => {
    let calls = 0
    const spec: DriverOptionsSpec = {
      ...CONNECTION,
      givenLocation() {
        calls++
        return {}
      },
    }
    const input: Record<string, unknown> = {
      secretName: 'db',
      host: 'h',
      rotationRetry: { maxAttempts: 3 },
    }
    resolveDriverOptions(input, spec)
    change(input)
    const { secret } = resolveDriverOptions(input, spec)
    expect(calls).toBe(2)
    check(secret)
  })

  it('checks a changed object again: a credential key added is refused', () => {
    const input: Record<string, unknown> = { secretName: 'db' }
    resolveDriverOptions(input, CONNECTION)
    input.password = CANARY
    expectInvalidConfig(input, CONNECTION, /"password" cannot be combined with secretName/)
  })

  it('is resolved afresh for another spec (a pool and a connection from one object)', () => {
    const input = { secretName: 'db', recycleIdleOnRotation: false }
    expect(resolveDriverOptions(input, POOL).secret.recycleIdleOnRotation).toBe(false)
    expectInvalidConfig(input, CONNECTION, /recycleIdleOnRotation applies to pools only/)
  })
})

describe('resolveDriverOptions: the default secret client', () => {
  const ENV_KEYS = [
    'cache_client_region_id',
    'CACHE_CLIENT_REGION_ID',
    'ALIBABA_CLOUD_REGION_ID',
    'credentials_type',
    'CREDENTIALS_TYPE',
    'credentials_access_key_id',
    'CREDENTIALS_ACCESS_KEY_ID',
    'credentials_access_secret',
    'CREDENTIALS_ACCESS_SECRET',
    'cache_client_ttl',
    'CACHE_CLIENT_TTL',
  ]
  let saved: Map<string, string | undefined> | undefined

  function setEnv(values: Record<string, string>): void {
    saved = new Map(ENV_KEYS.map((key) => [key, process.env[key]]))
    for (const key of ENV_KEYS) delete process.env[key]
    Object.assign(process.env, values)
  }

  afterEach(async () => {
    await closeDefaultSecretClient()
    for (const [key, value] of saved ?? []) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    saved = undefined
  })

  it('without secretClient, source() is the process default client', () => {
    setEnv({
      cache_client_region_id: '[{"regionId":"cn-hangzhou","endpoint":"http://127.0.0.1:9"}]',
      credentials_type: 'ak',
      credentials_access_key_id: 'id',
      credentials_access_secret: 'secret',
    })
    const { secret } = resolveDriverOptions({ secretName: 'db' }, POOL)
    const client = secret.source()
    expect(client).toBe(defaultSecretClient())
    expect(secret.source()).toBe(client)
  })

  it('a missing KMS configuration fails when source() is called, not at resolve time', () => {
    setEnv({})
    const { secret } = resolveDriverOptions({ secretName: 'db' }, POOL)
    expect(() => secret.source()).toThrow(
      expect.objectContaining({ name: 'SecretClientError', code: 'INVALID_CONFIG' }),
    )
  })
})

describe('credentialFields', () => {
  const NONE: GivenLocation = { host: false, port: false, database: false }
  const ALL: GivenLocation = { host: true, port: true, database: true }
  const full: DatabaseCredentials = {
    username: 'app',
    password: 'pw',
    host: 'secret-host',
    port: 3306,
    database: 'secret-db',
    versionId: 'v1',
    secretName: 'db',
  }
  const bare: DatabaseCredentials = {
    username: 'app',
    password: 'pw',
    versionId: 'v1',
    secretName: 'db',
  }

  it('always sets user and password, and only those fields', () => {
    expect(credentialFields(bare, NONE)).toEqual({ user: 'app', password: 'pw' })
    expect(credentialFields(full, ALL)).toEqual({ user: 'app', password: 'pw' })
    expect(Object.keys(credentialFields(bare, NONE))).toEqual(['user', 'password'])
  })

  it('sets the location from the secret when none was given', () => {
    expect(credentialFields(full, NONE)).toEqual({
      user: 'app',
      password: 'pw',
      host: 'secret-host',
      port: 3306,
      database: 'secret-db',
    })
  })

  it.each([
    [{ host: true, port: false, database: false }, ['port', 'database']],
    [{ host: false, port: true, database: false }, ['host', 'database']],
    [{ host: false, port: false, database: true }, ['host', 'port']],
  ])('leaves out each given field (%o)', (given, expected) => {
    const fields = credentialFields(full, given)
    expect(Object.keys(fields).sort()).toEqual(['password', 'user', ...expected].sort())
  })

  it('does not set a field the secret lacks', () => {
    const partial: DatabaseCredentials = { ...bare, port: 5432 }
    const fields = credentialFields(partial, NONE)
    expect(fields).toEqual({ user: 'app', password: 'pw', port: 5432 })
    expect('host' in fields).toBe(false)
    expect('database' in fields).toBe(false)
  })
})

describe('withCredentials', () => {
  const credentials: DatabaseCredentials = {
    username: 'app',
    password: CANARY,
    host: 'db.secret',
    port: 3307,
    database: 'secretdb',
    versionId: 'v1',
    secretName: 'db/app',
  }
  const none: GivenLocation = { host: false, port: false, database: false }

  it('copies the options and writes the credential fields, leaving the options as they were', () => {
    const input = { host: 'db.given', ssl: { ca: 'x' } }
    const given: GivenLocation = { host: true, port: false, database: false }
    const options = withCredentials(input, credentials, given)
    expect(options).toEqual({
      host: 'db.given',
      ssl: input.ssl,
      user: 'app',
      password: CANARY,
      port: 3307,
      database: 'secretdb',
    })
    expect(options).not.toBe(input)
    expect(input).toEqual({ host: 'db.given', ssl: { ca: 'x' } })
  })

  it('gives what credentialFields gives over empty options', () => {
    expect(withCredentials({}, credentials, none)).toEqual(credentialFields(credentials, none))
  })
})
