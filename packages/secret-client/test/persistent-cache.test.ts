import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect, promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SecretClientError } from '../src/errors.js'
import type { PersistentCacheErrorEvent, StaleEvent } from '../src/events.js'
import type { SecretCacheClientOptions } from '../src/options.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import { kmsError, record, ScriptFetcher } from './_helpers.js'
import { startLocalKms } from './kms/_local-kms.js'

const run = promisify(execFile)
const VALUE = JSON.stringify({ AccountName: 'orders', AccountPassword: `pw-${Date.now()}-canary` })
const key = randomBytes(32)

let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secret-cache-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** A client with the persistent cache in `dir/cache` whose KMS answers or fails as told. */
function clientWith(
  kms: 'up' | 'throttled' | 'not-found',
  extra: Partial<SecretCacheClientOptions> = {},
  version = 'v1',
) {
  const fetcher = new ScriptFetcher((request) => {
    if (kms === 'throttled') throw kmsError('Rejected.Throttling')
    if (kms === 'not-found') throw kmsError('Forbidden.ResourceNotFound')
    return record(request.secretName, version, VALUE)
  })
  const client = new SecretCacheClient({
    fetcher,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    persistentCache: { directory: join(dir, 'cache'), key },
    ...extra,
  })
  const stale: StaleEvent[] = []
  const problems: PersistentCacheErrorEvent[] = []
  client.on('stale', (e) => stale.push(e))
  client.on('persistentCacheError', (e) => problems.push(e))
  return { client, fetcher, stale, problems }
}

/** Reads once with KMS up, so the value is on disk; resolves the file's path. */
async function saved(
  name = 'db/orders',
  extra: Partial<SecretCacheClientOptions> = {},
): Promise<string> {
  const { client } = clientWith('up', extra)
  await client.getStringValue(name)
  await client.close()
  // One file per secret and stage, named by their hash.
  const id = createHash('sha256').update(`${name}\0ACSCurrent`).digest('hex')
  return join(dir, 'cache', `${id}.secret`)
}

describe('encrypted persistent cache', () => {
  it('writes one file per secret, 0600 in a 0700 directory, sealed: no plaintext on disk', async () => {
    const file = await saved()
    expect(statSync(join(dir, 'cache')).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain('canary')
    expect(text).not.toContain('orders')
    expect(readdirSync(join(dir, 'cache')).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('every write uses a fresh nonce', async () => {
    const file = await saved()
    const first = JSON.parse(readFileSync(file, 'utf8'))
    await saved()
    const second = JSON.parse(readFileSync(file, 'utf8'))
    expect(second.nonce).not.toBe(first.nonce)
    expect(second.data).not.toBe(first.data)
  })

  it('a restart while KMS fails transiently serves the saved value (stale, from disk)', async () => {
    await saved()
    const { client, fetcher, stale } = clientWith('throttled')
    try {
      expect(await client.getStringValue('db/orders')).toBe(VALUE)
      expect(stale).toHaveLength(1)
      expect(stale[0]).toMatchObject({ source: 'disk', code: 'THROTTLED', versionId: 'v1' })
      // One attempt, then the disk: the caller does not wait through the retries.
      expect(fetcher.count).toBeGreaterThanOrEqual(1)
      // Later reads are served the same value at once.
      expect(await client.getStringValue('db/orders')).toBe(VALUE)
    } finally {
      await client.close()
    }
  })

  it('while KMS answers, the disk is not read: the new version wins', async () => {
    await saved()
    const { client, stale } = clientWith('up', {}, 'v2')
    try {
      expect((await client.getSecretInfo('db/orders')).versionId).toBe('v2')
      expect(stale).toEqual([])
    } finally {
      await client.close()
    }
  })

  it('past maxStaleMs the saved value is not served', async () => {
    await saved('db/orders', { ttlMs: 1000 })
    let now = Date.now()
    const { client, stale } = clientWith('throttled', {
      ttlMs: 1000,
      maxStaleMs: 5000,
      now: () => now,
    })
    now += 1000 + 5000 + 1
    try {
      const err = await client.getStringValue('db/orders').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(SecretClientError)
      expect((err as SecretClientError).code).toBe('THROTTLED')
      expect(stale).toEqual([])
    } finally {
      await client.close()
    }
  })

  it('a permanent KMS error (not found) is never masked by the disk', async () => {
    await saved()
    const { client, stale } = clientWith('not-found')
    try {
      const err = await client.getStringValue('db/orders').catch((e: unknown) => e)
      expect((err as SecretClientError).code).toBe('SECRET_NOT_FOUND')
      expect(stale).toEqual([])
    } finally {
      await client.close()
    }
  })

  it.each([
    ['a flipped byte in the ciphertext', 'unauthenticated'],
    ['an edited expiry', 'unauthenticated'],
    ['garbage', 'corrupt'],
    ['another key', 'unauthenticated'],
    ["another secret's file", 'unauthenticated'],
  ] as const)(
    '%s: ignored with persistentCacheError %s, the KMS error thrown',
    async (how, problem) => {
      const file = await saved()
      const content = JSON.parse(readFileSync(file, 'utf8'))
      let target = file
      let options: Partial<SecretCacheClientOptions> = {}
      if (how === 'a flipped byte in the ciphertext') {
        const data = Buffer.from(content.data, 'base64')
        data[0] = (data[0] as number) ^ 1
        writeFileSync(file, JSON.stringify({ ...content, data: data.toString('base64') }))
      } else if (how === 'an edited expiry') {
        writeFileSync(
          file,
          JSON.stringify({ ...content, expiresAt: content.expiresAt + 86_400_000 }),
        )
      } else if (how === 'garbage') {
        writeFileSync(file, '{"v":1,"not')
      } else if (how === 'another key') {
        options = { persistentCache: { directory: join(dir, 'cache'), key: randomBytes(32) } }
      } else {
        // db/orders' file put where db/billing's would be.
        const other = await saved('db/billing')
        copyFileSync(file, other)
        target = other
      }
      const name = target === file ? 'db/orders' : 'db/billing'
      const { client, stale, problems } = clientWith('throttled', options)
      try {
        const err = await client.getStringValue(name).catch((e: unknown) => e)
        expect((err as SecretClientError).code).toBe('THROTTLED')
        expect(stale).toEqual([])
        expect(problems).toEqual([{ secretName: name, versionStage: 'ACSCurrent', problem }])
        expect(inspect(err, { depth: 10 })).not.toContain('canary')
      } finally {
        await client.close()
      }
    },
  )

  it('a directory it cannot write to is reported, and reads go on', async () => {
    const blocked = join(dir, 'file-not-dir')
    writeFileSync(blocked, '')
    const client = new SecretCacheClient({
      fetcher: new ScriptFetcher((r) => record(r.secretName, 'v1', VALUE)),
      persistentCache: { directory: join(blocked, 'cache'), key },
    })
    const problems: PersistentCacheErrorEvent[] = []
    client.on('persistentCacheError', (e) => problems.push(e))
    try {
      expect(await client.getStringValue('db/orders')).toBe(VALUE)
    } finally {
      await client.close()
    }
    expect(problems).toEqual([
      { secretName: 'db/orders', versionStage: 'ACSCurrent', problem: 'write-failed' },
    ])
  })
})

describe('the key comes from the user, never from the cache directory', () => {
  const fetcher = new ScriptFetcher((r) => record(r.secretName, 'v1', VALUE))
  const build = (persistentCache: unknown, env?: Record<string, string>) => {
    const saved = { ...process.env }
    Object.assign(process.env, env)
    try {
      return new SecretCacheClient({ fetcher, persistentCache } as SecretCacheClientOptions)
    } finally {
      for (const name of Object.keys(env ?? {})) {
        if (saved[name] === undefined) delete process.env[name]
      }
    }
  }

  it('from an environment variable (base64), a file (hex) or a function', async () => {
    const clients = [
      build(
        { directory: join(dir, 'a'), key: { env: 'TEST_CACHE_KEY_B64' } },
        { TEST_CACHE_KEY_B64: key.toString('base64') },
      ),
      (() => {
        mkdirSync(join(dir, 'keys'))
        writeFileSync(join(dir, 'keys', 'cache.key'), `${key.toString('hex')}\n`)
        return build({ directory: join(dir, 'b'), key: { file: join(dir, 'keys', 'cache.key') } })
      })(),
      build({ directory: join(dir, 'c'), key: async () => key }),
    ]
    for (const client of clients) {
      expect(await client.getStringValue('db/orders')).toBe(VALUE)
      await client.close()
    }
    for (const sub of ['a', 'b', 'c']) expect(readdirSync(join(dir, sub))).toHaveLength(1)
  })

  it.each([
    [
      'a key file inside the cache directory',
      () => ({ directory: dir, key: { file: join(dir, 'k') } }),
      'must not be inside',
    ],
    [
      'a missing variable',
      () => ({ directory: dir, key: { env: 'NO_SUCH_CACHE_KEY_VAR' } }),
      'NO_SUCH_CACHE_KEY_VAR',
    ],
    ['a short key', () => ({ directory: dir, key: randomBytes(16) }), 'key must be 32 bytes'],
    [
      'a missing key file',
      () => ({ directory: join(dir, 'x'), key: { file: join(dir, 'nope') } }),
      'ENOENT',
    ],
    ['no directory', () => ({ key }), 'directory must be a path'],
    ['an unknown key', () => ({ directory: dir, key, dir: 'x' }), 'unknown key "dir"'],
  ])('%s is INVALID_CONFIG', (_label, options, message) => {
    let caught: unknown
    try {
      build(options())
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(SecretClientError)
    expect((caught as SecretClientError).code).toBe('INVALID_CONFIG')
    expect((caught as Error).message).toContain(message)
  })

  it('a key of the wrong size from a variable never appears in the error', () => {
    const wrong = randomBytes(20).toString('base64')
    let caught: unknown
    try {
      build(
        { directory: dir, key: { env: 'TEST_CACHE_KEY_WRONG' } },
        { TEST_CACHE_KEY_WRONG: wrong },
      )
    } catch (err) {
      caught = err
    }
    expect((caught as SecretClientError).code).toBe('INVALID_CONFIG')
    expect(inspect(caught)).not.toContain(wrong)
  })
})

describe('a process restart with KMS down', () => {
  const reader = fileURLToPath(new URL('./fixtures/restart-reader.ts', import.meta.url))
  const readAs = async (endpoint: string, maxStaleMs: number) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', reader], {
      env: {
        ...process.env,
        KMS_ENDPOINT: endpoint,
        CACHE_DIR: join(dir, 'cache'),
        CACHE_KEY: key.toString('base64'),
        MAX_STALE_MS: String(maxStaleMs),
        TTL_MS: '500',
      },
      timeout: 30_000,
    })
    return JSON.parse(stdout.trim().split('\n').pop() as string)
  }

  it('keeps working from the encrypted file within maxStaleMs, and stops past it', async () => {
    const kms = await startLocalKms('answer')
    const endpoint = kms.url
    expect(await readAs(endpoint, 60_000)).toEqual({ user: 'orders', stale: [] })
    await kms.stop()
    // KMS is gone (connection refused): the next process starts from the file.
    const restarted = await readAs(endpoint, 60_000)
    expect(restarted.user).toBe('orders')
    expect(restarted.stale).toEqual([
      expect.objectContaining({ source: 'disk', code: 'KMS_UNAVAILABLE' }),
    ])
    // The value expired 500 ms after it was read; with a 1 ms bound it is too old now.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(await readAs(endpoint, 1)).toEqual({ error: 'KMS_UNAVAILABLE', stale: [] })
  }, 60_000)
})
