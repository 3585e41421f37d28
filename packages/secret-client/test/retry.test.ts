import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SecretFetcher } from '../src/types.js'
import {
  clientWith,
  flush,
  kmsError,
  ManualFetcher,
  record,
  recordEvents,
  ScriptFetcher,
} from './_helpers.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/** Fails `failures` times with `err`, then succeeds; records the fake-clock time of each call. */
function flaky(failures: number, err: () => unknown): { fetcher: ScriptFetcher; times: number[] } {
  const times: number[] = []
  const fetcher = new ScriptFetcher((_req, call) => {
    times.push(Date.now())
    if (call <= failures) throw err()
    return record('db', 'v1', 'pw')
  })
  return { fetcher, times }
}

describe('retry', () => {
  it.each([
    'InvalidParameter',
    'Forbidden.ResourceNotFound',
    'Forbidden.NoPermission',
    'InvalidAccessKeyId.NotFound',
  ])('does not retry the non-retryable %s', async (code) => {
    const { fetcher } = flaky(10, () => kmsError(code))
    const client = clientWith(fetcher, { retry: { maxAttempts: 5 } })
    await expect(client.getSecretInfo('db')).rejects.toMatchObject({ kmsCode: code })
    expect(fetcher.count).toBe(1)
    await client.close()
  })

  it.each([
    ['Rejected.ThrottlingError', 'THROTTLED'],
    ['ServiceUnavailableTemporary', 'KMS_UNAVAILABLE'],
    ['InternalFailure', 'KMS_UNAVAILABLE'],
    ['ECONNRESET', 'KMS_UNAVAILABLE'],
    ['ETIMEDOUT', 'TIMEOUT'],
  ])('retries %s (%s) until it succeeds', async (code) => {
    const { fetcher } = flaky(2, () => kmsError(code))
    const client = clientWith(fetcher, { retry: { maxAttempts: 3 } })
    const events = recordEvents(client)
    const read = client.getSecretInfo('db')
    await vi.runAllTimersAsync()
    expect((await read).versionId).toBe('v1')
    expect(fetcher.count).toBe(3)
    expect(events[0]).toMatchObject({ name: 'refresh', payload: { attempts: 3 } })
    await client.close()
  })

  it('stops after maxAttempts and reports the last error', async () => {
    const { fetcher } = flaky(10, () => kmsError('Rejected.Throttling'))
    const client = clientWith(fetcher, { retry: { maxAttempts: 3 } })
    const events = recordEvents(client)
    const read = client.getSecretInfo('db')
    const outcome = expect(read).rejects.toMatchObject({ code: 'THROTTLED' })
    await vi.runAllTimersAsync()
    await outcome
    expect(fetcher.count).toBe(3)
    expect(events[0]).toMatchObject({
      name: 'refreshError',
      payload: { code: 'THROTTLED', attempts: 3, reason: 'miss' },
    })
    await client.close()
  })

  it('waits random, bounded, exponentially growing full-jitter delays', async () => {
    const randoms = [0.9, 0.1, 0.5, 0.99]
    vi.spyOn(Math, 'random').mockImplementation(() => randoms.shift() ?? 0)
    const { fetcher, times } = flaky(4, () => kmsError('Rejected.Throttling'))
    const debug = vi.fn()
    const client = clientWith(fetcher, {
      retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 250 },
      logger: { debug },
    })
    const start = Date.now()
    const read = client.getSecretInfo('db')
    await vi.runAllTimersAsync()
    await read
    const delays = debug.mock.calls
      .filter(([message]) => message === 'secret-client: retrying KMS read')
      .map(([, context]) => (context as { delayMs: number }).delayMs)
    // caps: min(250, 100·2^n) = 100, 200, 250, 250
    expect(delays).toEqual([90, 20, 125, 247])
    expect(times.map((t) => t - start)).toEqual([0, 90, 110, 235, 482])
    await client.close()
  })

  it('honours a retry-after hint above the jittered delay', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const { fetcher } = flaky(1, () => kmsError('Rejected.Throttling', { retryAfter: 3000 }))
    const client = clientWith(fetcher, { retry: { baseDelayMs: 100, maxDelayMs: 5000 } })
    const read = client.getSecretInfo('db')
    await vi.advanceTimersByTimeAsync(2999)
    expect(fetcher.count).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(fetcher.count).toBe(2)
    expect((await read).versionId).toBe('v1')
    await client.close()
  })

  it('gives up at once when the retry-after hint exceeds maxDelayMs', async () => {
    const { fetcher } = flaky(1, () =>
      kmsError('Rejected.Throttling', { data: { headers: { 'retry-after': '60' } } }),
    )
    const client = clientWith(fetcher, { retry: { maxAttempts: 5, maxDelayMs: 10_000 } })
    await expect(client.getSecretInfo('db')).rejects.toMatchObject({
      code: 'THROTTLED',
      retryAfterMs: 60_000,
    })
    expect(fetcher.count).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
    await client.close()
  })

  it('times a request out after timeoutMs, aborts its signal and retries', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { timeoutMs: 1000, retry: { maxAttempts: 2 } })
    const read = client.getSecretInfo('db')
    const outcome = expect(read).rejects.toMatchObject({ code: 'TIMEOUT', secretName: 'db' })
    await vi.advanceTimersByTimeAsync(999)
    expect(fetcher.calls[0]?.aborted()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(fetcher.calls[0]?.aborted()).toBe(true)
    await vi.runAllTimersAsync()
    expect(fetcher.calls).toHaveLength(2)
    await outcome
    expect(vi.getTimerCount()).toBe(0)
    await client.close()
  })

  it('times out even a fetcher that ignores its signal', async () => {
    const fetcher: SecretFetcher = { fetchSecret: () => new Promise(() => {}) }
    const client = clientWith(fetcher, { timeoutMs: 500, retry: { maxAttempts: 1 } })
    const read = client.getSecretInfo('db')
    const outcome = expect(read).rejects.toMatchObject({ code: 'TIMEOUT' })
    await vi.advanceTimersByTimeAsync(500)
    await outcome
    await client.close()
  })

  it('a fetcher that throws synchronously or returns junk is a typed error', async () => {
    const throwing: SecretFetcher = {
      fetchSecret: () => {
        throw kmsError('InvalidParameter')
      },
    }
    const a = clientWith(throwing)
    await expect(a.getSecretInfo('db')).rejects.toMatchObject({ code: 'KMS_ERROR' })
    await a.close()
    const junk = new ScriptFetcher(() => ({ secretName: 'db' }) as never)
    const b = clientWith(junk)
    await expect(b.getSecretInfo('db')).rejects.toMatchObject({
      code: 'KMS_ERROR',
      message: expect.stringContaining('versionId'),
    })
    await b.close()
  })

  it('retries a flight whose caller waits, then shares the result', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { retry: { maxAttempts: 3 } })
    const reads = [client.getSecretInfo('db'), client.getSecretInfo('db')]
    await flush()
    fetcher.last().reject(kmsError('Rejected.Throttling'))
    await vi.advanceTimersByTimeAsync(200) // the first backoff is at most baseDelayMs
    expect(fetcher.calls).toHaveLength(2)
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    const results = await Promise.all(reads)
    expect(results.map((r) => r.versionId)).toEqual(['v1', 'v1'])
    await client.close()
  })
})
