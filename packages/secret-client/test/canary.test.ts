import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SecretClientError } from '../src/errors.js'
import type { Logger } from '../src/types.js'
import { clientWith, flush, kmsError, ManualFetcher, record, recordEvents } from './_helpers.js'

const CANARY = `CANARY-s3cr3t-${Math.random().toString(36).slice(2)}`

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** Every way a value can end up in a log line or a crash report. */
function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 20, showHidden: true }), inspect(value, { depth: 20 })]
  try {
    out.push(JSON.stringify(value) ?? '')
  } catch {
    // circular: inspect covers it
  }
  out.push(String(value), `${value as string}`)
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? '')
    for (let cause = value.cause; cause !== undefined; cause = (cause as Error).cause) {
      out.push(inspect(cause, { depth: 20, showHidden: true }), String(cause))
      if (!(cause instanceof Error)) break
    }
  }
  return out
}

describe('canary: a secret value never leaks', () => {
  it('through errors, events, logs, SecretInfo, credentials or the client', async () => {
    const logged: unknown[] = []
    const log = (...args: unknown[]): void => {
      logged.push(args)
    }
    const logger: Logger = { debug: log, info: log, warn: log, error: log }
    const values: Record<string, { value: string; binary?: boolean }> = {
      db: { value: JSON.stringify({ AccountName: 'app', AccountPassword: CANARY, Port: CANARY }) },
      nojson: { value: `${CANARY} {not json` },
      nouser: { value: JSON.stringify({ password: CANARY }) },
      nopass: { value: JSON.stringify({ username: 'u', pass: CANARY }) },
      badhost: { value: JSON.stringify({ username: 'u', password: 'p', host: [CANARY] }) },
      bin: { value: Buffer.from(CANARY).toString('base64'), binary: true },
      badbin: { value: `${CANARY}!!`, binary: true },
      text: { value: CANARY },
      good: { value: JSON.stringify({ username: 'u', password: CANARY, ttl: 1000 }) },
    }
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, {
      logger,
      ttlMs: 1000,
      maxStaleMs: 5000,
      timeoutMs: 1000,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
    })
    const events = recordEvents(client)
    const caught: unknown[] = []
    const outputs: unknown[] = []
    const answer = async (): Promise<void> => {
      await flush()
      for (const call of fetcher.calls.splice(0)) {
        const v = values[call.request.secretName]
        if (call.request.secretName === 'junk') {
          // A broken fetcher: the value without a versionId.
          call.resolve({ secretName: 'junk', secretValue: CANARY } as never)
        } else if (v === undefined) call.reject(kmsError('Forbidden.ResourceNotFound'))
        else {
          call.resolve(
            record(call.request.secretName, 'v1', v.value, {
              secretDataType: v.binary ? 'binary' : 'text',
            }),
          )
        }
      }
    }
    const attempt = async (p: Promise<unknown>): Promise<void> => {
      await answer()
      try {
        outputs.push(await p)
      } catch (err) {
        caught.push(err)
      }
    }
    await attempt(client.getDatabaseCredentials('db'))
    await attempt(client.getJsonValue('nojson'))
    await attempt(client.getDatabaseCredentials('nojson'))
    await attempt(client.getDatabaseCredentials('nouser'))
    await attempt(client.getDatabaseCredentials('nopass'))
    await attempt(client.getDatabaseCredentials('badhost'))
    await attempt(client.getStringValue('bin'))
    await attempt(client.getBinaryValue('badbin'))
    await attempt(client.getDatabaseCredentials('bin'))
    await attempt(client.getSecretInfo('text'))
    await attempt(client.getSecretInfo('missing'))
    await attempt(client.getSecretInfo('junk'))
    try {
      clientWith(fetcher, { ttlMs: CANARY as never, secretTtlMs: { db: CANARY as never } })
    } catch (err) {
      caught.push(err)
    }
    await attempt(client.getDatabaseCredentials('good'))
    await attempt(client.getSecretInfo('good'))
    await attempt(client.refreshNow('good'))
    // Transient failures: stale served, then the stale limit, a timeout and a refresh-ahead error.
    vi.advanceTimersByTime(1500)
    const staleRead = client.getSecretInfo('good')
    await flush()
    fetcher.calls.splice(0).forEach((c) => void c.reject(kmsError('Rejected.Throttling')))
    await vi.advanceTimersByTimeAsync(10)
    fetcher.calls.splice(0).forEach((c) => void c.reject(kmsError('Rejected.Throttling')))
    outputs.push(await staleRead)
    await flush() // the stale value came after the first failure; let the retry finish too
    vi.advanceTimersByTime(6000)
    const limitRead = client.getSecretInfo('good').catch((e: unknown) => caught.push(e))
    await flush()
    fetcher.calls.splice(0).forEach((c) => void c.reject(kmsError('Rejected.Throttling')))
    await vi.advanceTimersByTimeAsync(10)
    fetcher.calls.splice(0).forEach((c) => void c.reject(kmsError('Rejected.Throttling')))
    await limitRead
    const timeoutRead = client.getSecretInfo('text', { versionStage: 'ACSPrevious' })
    const timedOut = timeoutRead.catch((e: unknown) => caught.push(e))
    await vi.advanceTimersByTimeAsync(3000)
    await timedOut
    const controller = new AbortController()
    const abortedRead = client.getSecretInfo('pending', { signal: controller.signal })
    controller.abort(new Error('stop'))
    await abortedRead.catch((e: unknown) => caught.push(e))
    const closedRead = client.getSecretInfo('other').catch((e: unknown) => caught.push(e))
    await flush()
    await client.close()
    await closedRead
    await client.getSecretInfo('good').catch((e: unknown) => caught.push(e))

    const codes = caught.map((e) => (e as SecretClientError).code)
    expect(caught.every((e) => e instanceof SecretClientError)).toBe(true)
    expect(new Set(codes)).toEqual(
      new Set([
        'INVALID_SECRET_VALUE',
        'INVALID_CONFIG',
        'KMS_ERROR',
        'SECRET_NOT_FOUND',
        'THROTTLED',
        'TIMEOUT',
        'ABORTED',
        'CLOSED',
      ]),
    )
    const eventNames = new Set(events.map((e) => e.name))
    expect(eventNames).toEqual(new Set(['refresh', 'refreshError', 'stale', 'evict']))
    expect(logged.length).toBeGreaterThan(10)
    // The canary was really read (so its absence below means something).
    expect(outputs.some((o) => inspect(o).includes('SecretInfo'))).toBe(true)
    const creds = outputs.find((o) => (o as { password?: string }).password === CANARY)
    expect(creds).toBeDefined()

    const everything = [
      ...caught.flatMap(renderings),
      ...events.flatMap((e) => renderings(e.payload)),
      ...logged.flatMap(renderings),
      ...outputs.flatMap(renderings),
      ...renderings(client),
    ]
    for (const text of everything) expect(text).not.toContain(CANARY)
    expect(everything.join('\n')).not.toContain(CANARY)
  })
})
