import { afterAll, describe, expect, it } from 'vitest'
import { parseDatabaseCredentials } from '../src/database-credentials.js'
import { SecretInfo } from '../src/secret-info.js'
import type { SecretRecord } from '../src/types.js'
import { clientWith, record, ScriptFetcher } from './_helpers.js'

const clients: { close(): Promise<void> }[] = []
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
})

function clientFor(records: Record<string, Partial<SecretRecord> & { secretValue: string }>) {
  const fetcher = new ScriptFetcher((req) => {
    const r = records[req.secretName]
    if (r === undefined)
      throw Object.assign(new Error('nf'), { code: 'Forbidden.ResourceNotFound' })
    return { ...record(req.secretName, 'v1', r.secretValue), ...r }
  })
  const client = clientWith(fetcher)
  clients.push(client)
  return { client, fetcher }
}

describe('value accessors', () => {
  const bytes = Uint8Array.from([0, 1, 2, 250, 255])
  const { client } = clientFor({
    text: { secretValue: 'héllo' },
    bin: { secretValue: Buffer.from(bytes).toString('base64'), secretDataType: 'binary' },
    badbin: { secretValue: 'not base64!', secretDataType: 'binary' },
    json: { secretValue: '{"a":{"b":[1,2]}}' },
    array: { secretValue: '[1,2,3]' },
  })

  it('getStringValue returns text and refuses binary', async () => {
    expect(await client.getStringValue('text')).toBe('héllo')
    await expect(client.getStringValue('bin')).rejects.toMatchObject({
      code: 'INVALID_SECRET_VALUE',
      secretName: 'bin',
    })
  })

  it('getBinaryValue decodes base64, encodes text as UTF-8, and returns a copy', async () => {
    const value = await client.getBinaryValue('bin')
    expect(value).toBeInstanceOf(Uint8Array)
    expect([...value]).toEqual([...bytes])
    value[0] = 99
    expect((await client.getBinaryValue('bin'))[0]).toBe(0)
    expect(new TextDecoder().decode(await client.getBinaryValue('text'))).toBe('héllo')
    await expect(client.getBinaryValue('badbin')).rejects.toMatchObject({
      code: 'INVALID_SECRET_VALUE',
    })
  })

  it('getJsonValue parses once, returns a frozen shared value, and refuses non-JSON', async () => {
    const first = await client.getJsonValue<{ a: { b: number[] } }>('json')
    expect(first).toEqual({ a: { b: [1, 2] } })
    expect(await client.getJsonValue('json')).toBe(first)
    expect(Object.isFrozen(first.a.b)).toBe(true)
    expect(await client.getJsonValue('array')).toEqual([1, 2, 3])
    await expect(client.getJsonValue('text')).rejects.toMatchObject({
      code: 'INVALID_SECRET_VALUE',
      message: 'secret "text" (version v1) is not JSON',
    })
    await expect(client.getJsonValue('bin')).rejects.toMatchObject({ code: 'INVALID_SECRET_VALUE' })
  })

  it('getSecretInfo exposes the metadata', async () => {
    const info = await client.getSecretInfo('bin')
    expect(info).toBeInstanceOf(SecretInfo)
    expect(info).toMatchObject({ secretName: 'bin', versionId: 'v1', secretDataType: 'binary' })
  })
})

describe('getDatabaseCredentials', () => {
  it('reads Rds/PolarDB/Redis shape with optional Endpoint/Port/DBName', async () => {
    const { client } = clientFor({
      rds: {
        secretValue: JSON.stringify({
          AccountName: 'app',
          AccountPassword: 'pw',
          Endpoint: 'db.internal',
          Port: '3306',
          DBName: 'shop',
        }),
        versionId: 'v7',
      },
      minimal: { secretValue: '{"AccountName":"app","AccountPassword":""}' },
    })
    expect({ ...(await client.getDatabaseCredentials('rds')) }).toEqual({
      username: 'app',
      password: 'pw',
      host: 'db.internal',
      port: 3306,
      database: 'shop',
      versionId: 'v7',
      secretName: 'rds',
    })
    const minimal = await client.getDatabaseCredentials('minimal')
    expect(Object.keys(minimal)).toEqual(['username', 'password', 'versionId', 'secretName'])
    expect({ ...minimal }).toEqual({
      username: 'app',
      password: '',
      versionId: 'v1',
      secretName: 'minimal',
    })
  })

  it('reads generic username/password JSON with host/port/database', async () => {
    const { client } = clientFor({
      generic: {
        secretValue: JSON.stringify({
          username: 'u',
          password: 'p',
          host: 'h',
          port: 5432,
          database: 'd',
        }),
      },
      lower: { secretValue: '{"username":"u","password":"p","dbname":"d2"}' },
    })
    expect(await client.getDatabaseCredentials('generic')).toMatchObject({
      username: 'u',
      password: 'p',
      host: 'h',
      port: 5432,
      database: 'd',
    })
    expect((await client.getDatabaseCredentials('lower')).database).toBe('d2')
  })

  it('parses once per version (memoized, kept across same-version refreshes)', async () => {
    const { client } = clientFor({
      rds: { secretValue: '{"AccountName":"a","AccountPassword":"b"}' },
    })
    const first = await client.getDatabaseCredentials('rds')
    expect(await client.getDatabaseCredentials('rds')).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    await client.refreshNow('rds') // same version v1
    expect(await client.getDatabaseCredentials('rds')).toBe(first)
  })

  it('a new version gets new credentials', async () => {
    let password = 'one'
    const fetcher = new ScriptFetcher((_req, call) =>
      record('db', `v${call}`, JSON.stringify({ username: 'u', password })),
    )
    const client = clientWith(fetcher)
    clients.push(client)
    const before = await client.getDatabaseCredentials('db')
    password = 'two'
    await client.refreshNow('db')
    const after = await client.getDatabaseCredentials('db')
    expect([before.password, before.versionId]).toEqual(['one', 'v1'])
    expect([after.password, after.versionId]).toEqual(['two', 'v2'])
  })

  it.each([
    ['not json', 'the value is not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['"str"', 'not a JSON object'],
    ['{"AccountPassword":"p"}', 'missing or empty string field AccountName/username'],
    ['{"AccountName":"","AccountPassword":"p"}', 'field AccountName'],
    ['{"AccountName":"a"}', 'missing string field AccountPassword/password'],
    ['{"username":"a","password":5}', 'missing string field password'],
    ['{"username":"a","password":"p","port":"33a06"}', 'field port is not a port number'],
    ['{"username":"a","password":"p","Port":70000}', 'field Port is not a port number'],
    ['{"username":"a","password":"p","host":7}', 'field host is not a non-empty string'],
    ['{"username":"a","password":"p","DBName":["x"]}', 'field DBName is not a non-empty string'],
  ])('rejects %s with INVALID_SECRET_VALUE (%s)', async (secretValue, problem) => {
    const { client } = clientFor({ bad: { secretValue } })
    const err = await client.getDatabaseCredentials('bad').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'INVALID_SECRET_VALUE', secretName: 'bad' })
    expect((err as Error).message).toContain(problem)
    expect((err as Error).message).not.toContain(secretValue)
    expect((err as Error).cause).toBeUndefined()
  })

  it('refuses a binary secret', async () => {
    const { client } = clientFor({ bin: { secretValue: 'AAAA', secretDataType: 'binary' } })
    await expect(client.getDatabaseCredentials('bin')).rejects.toMatchObject({
      code: 'INVALID_SECRET_VALUE',
      message: expect.stringContaining('binary'),
    })
  })

  it('parseDatabaseCredentials works on a SecretInfo directly', () => {
    const info = new SecretInfo(record('x', 'v1', '{"username":"u","password":"p"}'))
    expect(parseDatabaseCredentials(info)).toMatchObject({ username: 'u', password: 'p' })
  })
})

describe('ExtendedConfig', () => {
  const account = JSON.stringify({ AccountName: 'app', AccountPassword: 'pw' })

  it('connection fields come from ExtendedConfig.CustomData when the value has none', async () => {
    const { client } = clientFor({
      rds: {
        secretValue: account,
        extendedConfig: JSON.stringify({
          SecretSubType: 'SingleUser',
          CustomData: { Endpoint: 'rm-x.mysql.rds.aliyuncs.com', Port: '3306', DBName: 'orders' },
        }),
      },
      // CustomData as JSON text, as some consoles store it.
      text: {
        secretValue: account,
        extendedConfig: { CustomData: '{"host":"db.internal","port":5432,"database":"app"}' },
      },
    })
    expect(await client.getDatabaseCredentials('rds')).toMatchObject({
      username: 'app',
      host: 'rm-x.mysql.rds.aliyuncs.com',
      port: 3306,
      database: 'orders',
    })
    expect(await client.getDatabaseCredentials('text')).toMatchObject({
      host: 'db.internal',
      port: 5432,
      database: 'app',
    })
  })

  it('fields in the value win over CustomData', async () => {
    const { client } = clientFor({
      both: {
        secretValue: JSON.stringify({
          AccountName: 'app',
          AccountPassword: 'pw',
          Endpoint: 'from-value',
          Port: 3307,
        }),
        extendedConfig: { CustomData: { Endpoint: 'from-custom-data', Port: 1, DBName: 'cd' } },
      },
    })
    expect(await client.getDatabaseCredentials('both')).toMatchObject({
      host: 'from-value',
      port: 3307,
      database: 'cd',
    })
  })

  it('a bad CustomData field is named with its path; malformed CustomData is ignored', async () => {
    const { client } = clientFor({
      badport: { secretValue: account, extendedConfig: { CustomData: { Port: 'x' } } },
      junk: { secretValue: account, extendedConfig: { CustomData: '{not json' } },
    })
    await expect(client.getDatabaseCredentials('badport')).rejects.toMatchObject({
      code: 'INVALID_SECRET_VALUE',
      message: expect.stringContaining('ExtendedConfig.CustomData.Port'),
    })
    const creds = await client.getDatabaseCredentials('junk')
    expect(creds.host).toBeUndefined()
    expect(creds.port).toBeUndefined()
  })

  it('is deeply frozen, and freezing it never freezes the fetcher’s own object', async () => {
    const own = { CustomData: { env: 'prod', tags: ['a'] } }
    const { client } = clientFor({ s: { secretValue: 'x', extendedConfig: own } })
    const info = await client.getSecretInfo('s')
    const customData = info.extendedConfig.CustomData as { env: string; tags: string[] }
    expect(Object.isFrozen(customData)).toBe(true)
    expect(Object.isFrozen(customData.tags)).toBe(true)
    expect(() => {
      customData.env = 'dev'
    }).toThrow(TypeError)
    expect(Object.isFrozen(own.CustomData)).toBe(false)
    const parsed = new SecretInfo({
      ...record('s', 'v1', 'x'),
      extendedConfig: '{"CustomData":{"env":"prod"}}',
    })
    expect(Object.isFrozen(parsed.extendedConfig.CustomData)).toBe(true)
  })
})
