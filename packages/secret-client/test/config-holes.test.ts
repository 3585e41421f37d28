import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { SecretClientError } from '../src/errors.js'
import type { SecretCacheClientOptions } from '../src/options.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import { record, ScriptFetcher } from './_helpers.js'

// Options and arguments that used to be accepted in silence (a default used instead, the wrong
// version read) or to leak what was given into an error: each is now a typed error that names
// the option and nothing of its value.

const PASSWORD = `pw-${Math.random().toString(36).slice(2)}`
const credential = { accessKeyId: 'LTAI-test', accessKeySecret: 'not-a-secret' }

function configError(options: unknown): SecretClientError {
  let caught: unknown
  try {
    new SecretCacheClient(options as SecretCacheClientOptions).close()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(SecretClientError)
  expect((caught as SecretClientError).code).toBe('INVALID_CONFIG')
  return caught as SecretClientError
}

/** Everything of an error a log line or a crash report could show. */
function rendered(err: Error): string {
  let text = `${inspect(err, { depth: 20, showHidden: true })}\n${err.stack}`
  for (let cause = err.cause; cause !== undefined; cause = (cause as Error).cause) {
    text += `\n${inspect(cause, { depth: 20, showHidden: true })}`
    if (!(cause instanceof Error)) break
  }
  return text
}

describe('an endpoint with credentials in it never reaches the error', () => {
  const endpoint = `http://user:${PASSWORD}@kms.example.com:bad`

  it.each([
    ['endpoint', { endpoint, credential }],
    ['regions[].endpoint', { regions: [{ regionId: 'cn-hangzhou', endpoint }], credential }],
  ])('%s', (_label, options) => {
    const err = configError(options)
    expect(err.message).toMatch(/endpoint is not a valid host or URL/)
    expect(rendered(err)).not.toContain(PASSWORD)
  })

  it('cache_client_region_id, as an invalid endpoint or as invalid JSON', () => {
    for (const value of [
      JSON.stringify([{ regionId: 'cn-hangzhou', endpoint }]),
      `[{"regionId":"cn-hangzhou","endpoint":"${endpoint}"`,
    ]) {
      let caught: unknown
      try {
        SecretCacheClient.fromEnv({
          cache_client_region_id: value,
          credentials_type: 'ak',
          credentials_access_key_id: 'LTAI-test',
          credentials_access_secret: 'not-a-secret',
        }).close()
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(SecretClientError)
      expect((caught as SecretClientError).code).toBe('INVALID_CONFIG')
      expect(rendered(caught as Error)).not.toContain(PASSWORD)
    }
  })
})

describe('misspelt or unknown option keys are refused with a suggestion', () => {
  it.each([
    [{ ttl: 60_000 }, 'Unknown option "ttl": did you mean "ttlMs"?'],
    [{ timeout: 1000 }, 'Unknown option "timeout": did you mean "timeoutMs"?'],
    [{ region: 'cn-hangzhou' }, 'Unknown option "region": did you mean "regionId"?'],
    [{ maxStale: 1 }, 'Unknown option "maxStale": did you mean "maxStaleMs"?'],
    [{ retry: { attempts: 3 } }, 'Unknown option retry."attempts": did you mean "maxAttempts"?'],
    [
      { regions: [{ regionID: 'cn-hangzhou' }], credential },
      'Unknown option regions[0]."regionID": did you mean "regionId"?',
    ],
    [{ zzzzzz: 1 }, 'Unknown option "zzzzzz"'],
  ])('%j', (options, message) => {
    // The regions are read (and checked) only when no fetcher replaces the KMS client.
    const fetcher =
      'regions' in options ? {} : { fetcher: new ScriptFetcher(() => record('a', 'v1', 'x')) }
    const err = configError({ ...fetcher, ...options })
    expect(err.message).toBe(message)
  })

  it('a client built from every documented key is accepted', () => {
    new SecretCacheClient({
      fetcher: new ScriptFetcher(() => record('a', 'v1', 'x')),
      ttlMs: 1,
      secretTtlMs: { a: 1 },
      maxStaleMs: 1,
      maxEntries: 1,
      versionStage: 'ACSCurrent',
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      timeoutMs: 1,
      minRefreshIntervalMs: 1,
      refreshAheadRatio: 0.5,
      logger: {},
      now: Date.now,
      timers: { setTimeout, clearTimeout },
      random: Math.random,
    }).close()
  })
})

describe('numbers must be finite, counts whole', () => {
  it.each([
    ['ttlMs', { ttlMs: Number.POSITIVE_INFINITY }],
    ['maxStaleMs', { maxStaleMs: Number.POSITIVE_INFINITY }],
    ['minRefreshIntervalMs', { minRefreshIntervalMs: Number.POSITIVE_INFINITY }],
    ['ttlMs', { ttlMs: null }],
    ['maxStaleMs', { maxStaleMs: null }],
    ['secretTtlMs["a"]', { secretTtlMs: { a: Number.POSITIVE_INFINITY } }],
    ['maxEntries', { maxEntries: 1.5 }],
    ['retry.maxAttempts', { retry: { maxAttempts: 2.5 } }],
    ['retry.maxAttempts', { retry: { maxAttempts: Number.POSITIVE_INFINITY } }],
  ])('%s: %j', (option, options) => {
    const err = configError({
      fetcher: new ScriptFetcher(() => record('a', 'v1', 'x')),
      ...options,
    })
    expect(err.message).toContain(`Invalid option ${option}`)
  })
})

describe('read options: an object of versionStage and an AbortSignal', () => {
  const bad: Array<[string, unknown]> = [
    ['a stage given as the options', 'ACSPrevious'],
    ['a misspelt key', { stage: 'ACSPrevious' }],
    ['a signal that is not one', { signal: 'abort' }],
    ['a signal-like object without listeners', { signal: { aborted: false } }],
    ['null', null],
  ]

  it.each(bad)('%s is INVALID_ARGUMENT, on a miss and on a hit', async (_label, options) => {
    const fetcher = new ScriptFetcher(() => record('a', 'v1', 'value'))
    const client = new SecretCacheClient({ fetcher })
    try {
      const miss = await client.getStringValue('a', options as never).catch((e: unknown) => e)
      expect(miss).toBeInstanceOf(SecretClientError)
      expect((miss as SecretClientError).code).toBe('INVALID_ARGUMENT')
      expect(await client.getStringValue('a')).toBe('value')
      const hit = await client.getStringValue('a', options as never).catch((e: unknown) => e)
      expect((hit as SecretClientError).code).toBe('INVALID_ARGUMENT')
      const refresh = await client.refreshNow('a', options as never).catch((e: unknown) => e)
      expect((refresh as SecretClientError).code).toBe('INVALID_ARGUMENT')
      expect(() => client.peekDatabaseCredentials('a', options as never)).toThrow(SecretClientError)
    } finally {
      await client.close()
    }
  })

  it('a real AbortSignal and a versionStage are accepted', async () => {
    const client = new SecretCacheClient({
      fetcher: new ScriptFetcher(() => record('a', 'v1', 'value')),
    })
    try {
      const signal = new AbortController().signal
      expect(await client.getStringValue('a', { signal, versionStage: 'ACSCurrent' })).toBe('value')
    } finally {
      await client.close()
    }
  })
})
