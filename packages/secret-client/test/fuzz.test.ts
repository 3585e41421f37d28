import { inspect } from 'node:util'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { classifyError } from '../src/classify-error.js'
import { resolveDriverOptions } from '../src/driver/resolve-driver-options.js'
import { SecretClientError } from '../src/errors.js'
import { toSecretRecord } from '../src/kms/to-secret-record.js'
import type { SecretCacheClientOptions } from '../src/options.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import type { SecretRecord } from '../src/types.js'

// Property-based fuzzing of everything a user or KMS hands the client: options, secret values,
// KMS responses and errors. Each generated input must give a valid result or a SecretClientError
// with a code — no crash, no hang, no other error — and a canary planted in the input must never
// show up in an error, its causes or its inspection. The totals are printed at the end.

const CANARY = `CANARY-${Math.random().toString(36).slice(2, 10)}`
const counts: Record<string, number> = {}
const count = (what: string): void => {
  counts[what] = (counts[what] ?? 0) + 1
}

afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  console.log(`fuzz: ${total} generated inputs (${JSON.stringify(counts)})`)
})

/** Every way an error is shown: message, stack, inspect with hidden fields, causes, JSON. */
function shown(err: unknown): string {
  let text = inspect(err, { depth: 20, showHidden: true })
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    text += `${e.message}\n${e.stack ?? ''}\n${inspect(e.cause, { depth: 20, showHidden: true })}`
  }
  try {
    text += JSON.stringify(err)
  } catch {
    // circular: inspect covered it
  }
  return text
}

function expectTyped(err: unknown, codes?: readonly string[]): void {
  expect(err).toBeInstanceOf(SecretClientError)
  const code = (err as SecretClientError).code
  expect(typeof code).toBe('string')
  if (codes) expect(codes).toContain(code)
  expect(shown(err)).not.toContain(CANARY)
}

/** Values with the canary in them, and the awkward ones: NaN, Infinity, -0, huge, nested. */
const anyValue = fc.oneof(
  fc.constant(CANARY),
  fc.string().map((s) => `${s}${CANARY}`),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    2 ** 53,
    -1,
    0,
    1.5,
  ),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.constant(CANARY)), {
    maxKeys: 3,
  }),
  fc.string(),
)

/** The same awkward values without the canary: metadata (request ids, codes, names) is shown. */
const plainValue = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53, -1, 0, 1.5),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
  fc.string(),
)

const OPTION_KEYS = [
  'ttlMs',
  'secretTtlMs',
  'maxStaleMs',
  'maxEntries',
  'versionStage',
  'retry',
  'timeoutMs',
  'minRefreshIntervalMs',
  'refreshAheadRatio',
  'rotationSpreadMs',
  'logger',
  'endpoint',
  'regionId',
  'regions',
  'credential',
  'ca',
  'persistentCache',
]

describe('fuzz', () => {
  it('options: constructed, or INVALID_CONFIG without the value', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(fc.constantFrom(...OPTION_KEYS), fc.string({ maxLength: 12 })),
          anyValue,
          { maxKeys: 4 },
        ),
        fc.boolean(),
        (options, withFetcher) => {
          count('options')
          const all = withFetcher
            ? { ...options, fetcher: { fetchSecret: () => Promise.reject(new Error('unused')) } }
            : options
          let client: SecretCacheClient | undefined
          try {
            client = new SecretCacheClient(all as SecretCacheClientOptions)
          } catch (err) {
            expectTyped(err, ['INVALID_CONFIG'])
            return
          }
          client.close()
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('secret values: read through every accessor, a value or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json().map((j) => j.replace(/"/, `"${CANARY}`)),
          fc
            .record({
              // Only the password is secret: the name, host and port are shown by design.
              AccountName: plainValue,
              AccountPassword: fc.constant(CANARY),
              Endpoint: plainValue,
              Port: plainValue,
              ttl: plainValue,
            })
            .map((r) => JSON.stringify(r)),
          fc.base64String(),
          fc.constant(`${CANARY}!!not base64`),
        ),
        fc.constantFrom<'text' | 'binary' | undefined>('text', 'binary', undefined),
        fc.oneof(fc.string({ minLength: 1 }), fc.constant('v1')),
        async (secretValue, secretDataType, versionId) => {
          count('secret values')
          const record: SecretRecord = {
            secretName: 's',
            versionId,
            secretValue,
            ...(secretDataType ? { secretDataType } : {}),
          }
          const client = new SecretCacheClient({ fetcher: { fetchSecret: async () => record } })
          try {
            // The accessors return the value itself; SecretInfo and credentials mask it.
            for (const [read, masked] of [
              [() => client.getStringValue('s'), false],
              [() => client.getBinaryValue('s'), false],
              [() => client.getJsonValue('s'), false],
              [() => client.getDatabaseCredentials('s'), true],
              [() => client.getSecretInfo('s'), true],
            ] as const) {
              let result: unknown
              try {
                result = await read()
              } catch (err) {
                expectTyped(err, ['INVALID_SECRET_VALUE', 'KMS_ERROR'])
                continue
              }
              if (masked) {
                expect(inspect(result, { depth: 5 })).not.toContain(CANARY)
                expect(JSON.stringify(result)).not.toContain(CANARY)
              }
            }
          } finally {
            await client.close()
          }
        },
      ),
      { numRuns: 1500 },
    )
  })

  it('KMS responses: a record or a malformed-response KMS_ERROR', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyValue,
          fc.record(
            {
              SecretName: fc.oneof(fc.constant('s'), plainValue),
              VersionId: plainValue,
              SecretData: fc.oneof(fc.constant(CANARY), anyValue),
              SecretDataType: fc.oneof(fc.constantFrom('text', 'binary'), plainValue),
              VersionStages: plainValue,
              ExtendedConfig: plainValue,
              RequestId: plainValue,
            },
            { requiredKeys: [] },
          ),
          fc.record({ body: fc.record({ SecretName: plainValue, SecretData: anyValue }) }),
        ),
        (response) => {
          count('KMS responses')
          let record: SecretRecord
          try {
            record = toSecretRecord(response, 's')
          } catch (err) {
            expectTyped(err, ['KMS_ERROR'])
            return
          }
          expect(typeof record.versionId).toBe('string')
          expect(typeof record.secretValue).toBe('string')
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('errors from any SDK generation: classified, never quoting the message', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            code: plainValue,
            statusCode: fc.oneof(fc.integer({ min: 100, max: 599 }), plainValue),
            name: fc.oneof(fc.constantFrom('Error', 'TimeoutError', 'AbortError'), fc.string()),
            data: fc.record(
              {
                headers: fc.dictionary(
                  fc.constantFrom('retry-after', 'x-acs-retry-after'),
                  anyValue,
                ),
              },
              { requiredKeys: [] },
            ),
            syscall: fc.oneof(fc.constant(undefined), fc.constant('connect')),
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        (fields, asError) => {
          count('KMS errors')
          const err = asError
            ? Object.assign(new Error(`${CANARY} from the server`), fields)
            : { ...fields, message: CANARY }
          const classified = classifyError(err, 's')
          expect(classified).toBeInstanceOf(SecretClientError)
          expect(classified.message).not.toContain(CANARY)
          if (classified.retryAfterMs !== undefined) {
            expect(Number.isFinite(classified.retryAfterMs)).toBe(true)
            expect(classified.retryAfterMs).toBeGreaterThanOrEqual(0)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('driver options: resolved, or INVALID_CONFIG without the value', () => {
    const client = new SecretCacheClient({ fetcher: { fetchSecret: async () => ({}) as never } })
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(
              'secretName',
              'versionStage',
              'rotationRetry',
              'recycleIdleOnRotation',
              'user',
              'password',
              'uri',
              'host',
            ),
            fc.string({ maxLength: 10 }),
          ),
          anyValue,
          { maxKeys: 5 },
        ),
        fc.boolean(),
        (options, withClient) => {
          count('driver options')
          const all = withClient ? { ...options, secretClient: client } : options
          try {
            resolveDriverOptions(all, {
              kind: 'pool',
              credentialKeys: ['user', 'password'],
              url: { key: 'uri' },
            })
          } catch (err) {
            expectTyped(err, ['INVALID_CONFIG'])
          }
        },
      ),
      { numRuns: 1500 },
    )
    client.close()
  })
})
