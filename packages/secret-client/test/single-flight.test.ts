import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SecretClientError } from '../src/errors.js'
import { clientWith, flush, kmsError, ManualFetcher, record, ScriptFetcher } from './_helpers.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('single-flight', () => {
  it('1,000 concurrent cold getSecretInfo calls cost exactly one fetch', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', 'pw'))
    const client = clientWith(fetcher)
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => client.getSecretInfo('db')),
    )
    expect(fetcher.count).toBe(1)
    expect(new Set(results.map((info) => info.versionId))).toEqual(new Set(['v1']))
    // And the next read is a hit.
    await client.getSecretInfo('db')
    expect(fetcher.count).toBe(1)
    await client.close()
  })

  it('different keys fetch independently and never wait for each other', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher)
    const slow = client.getSecretInfo('slow')
    const fast = client.getSecretInfo('fast')
    const previous = client.getSecretInfo('fast', { versionStage: 'ACSPrevious' })
    await flush()
    expect(fetcher.calls.map((c) => [c.request.secretName, c.request.versionStage])).toEqual([
      ['slow', 'ACSCurrent'],
      ['fast', 'ACSCurrent'],
      ['fast', 'ACSPrevious'],
    ])
    fetcher.calls[1]?.resolve(record('fast', 'f1', 'x'))
    fetcher.calls[2]?.resolve(record('fast', 'f0', 'y', { versionStages: ['ACSPrevious'] }))
    expect((await fast).versionId).toBe('f1')
    expect((await previous).versionId).toBe('f0')
    fetcher.calls[0]?.resolve(record('slow', 's1', 'z'))
    expect((await slow).versionId).toBe('s1')
    await client.close()
  })

  it("one caller's abort rejects only that caller; the shared fetch goes on", async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher)
    const controller = new AbortController()
    const aborted = client.getSecretInfo('db', { signal: controller.signal })
    const patient = client.getSecretInfo('db')
    const other = new AbortController()
    const patientWithSignal = client.getSecretInfo('db', { signal: other.signal })
    await flush()
    expect(fetcher.calls).toHaveLength(1)
    controller.abort(new Error('caller gave up'))
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED', secretName: 'db' })
    expect(fetcher.last().aborted()).toBe(false)
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    expect((await patient).versionId).toBe('v1')
    expect((await patientWithSignal).versionId).toBe('v1')
    expect(fetcher.calls).toHaveLength(1)
    await client.close()
  })

  it('an already aborted signal rejects at once, without a fetch', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', 'pw'))
    const client = clientWith(fetcher)
    const signal = AbortSignal.abort()
    await expect(client.getSecretInfo('db', { signal })).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(client.refreshNow('db', { signal })).rejects.toMatchObject({ code: 'ABORTED' })
    expect(fetcher.count).toBe(0)
    await client.close()
  })

  it('when every waiter aborts, the fetch is cancelled and the next caller starts a new one', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher)
    const a = new AbortController()
    const b = new AbortController()
    const first = client.getSecretInfo('db', { signal: a.signal })
    const second = client.getSecretInfo('db', { signal: b.signal })
    await flush()
    expect(fetcher.calls).toHaveLength(1)
    a.abort()
    await expect(first).rejects.toBeInstanceOf(SecretClientError)
    expect(fetcher.calls[0]?.aborted()).toBe(false)
    b.abort()
    await expect(second).rejects.toMatchObject({ code: 'ABORTED' })
    expect(fetcher.calls[0]?.aborted()).toBe(true)
    const third = client.getSecretInfo('db')
    await flush()
    expect(fetcher.calls).toHaveLength(2)
    fetcher.last().resolve(record('db', 'v2', 'pw'))
    expect((await third).versionId).toBe('v2')
    await client.close()
  })

  it('a failed fetch is shared too, and the next read tries again', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { retry: { maxAttempts: 1 } })
    const reads = Array.from({ length: 10 }, () => client.getSecretInfo('db'))
    await flush()
    fetcher.last().reject(Object.assign(new Error('x'), { code: 'InvalidParameter' }))
    const outcomes = await Promise.allSettled(reads)
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true)
    expect(fetcher.calls).toHaveLength(1)
    const again = client.getSecretInfo('db')
    await flush()
    expect(fetcher.calls).toHaveLength(2)
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    expect((await again).versionId).toBe('v1')
    await client.close()
  })

  it("a lone caller's abort also cancels the retry backoff of its fetch", async () => {
    const fetcher = new ScriptFetcher(() => {
      throw kmsError('Rejected.Throttling')
    })
    const client = clientWith(fetcher, { retry: { baseDelayMs: 5000, maxDelayMs: 5000 } })
    const controller = new AbortController()
    const read = client.getSecretInfo('db', { signal: controller.signal })
    await flush()
    expect(fetcher.count).toBe(1)
    expect(vi.getTimerCount()).toBe(1) // the backoff sleep
    controller.abort()
    await expect(read).rejects.toMatchObject({ code: 'ABORTED' })
    await flush()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(fetcher.count).toBe(1)
    await client.close()
  })

  it('a refreshNow follow-up abandoned by its callers is replaced, not reused', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher)
    const first = client.getSecretInfo('db')
    await flush()
    const controller = new AbortController()
    const gaveUp = client.refreshNow('db', { signal: controller.signal }) // queued follow-up
    controller.abort()
    await expect(gaveUp).rejects.toMatchObject({ code: 'ABORTED' })
    const later = client.refreshNow('db') // must not join the dead follow-up
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await first
    await flush()
    expect(fetcher.calls).toHaveLength(2)
    fetcher.last().resolve(record('db', 'v2', 'pw'))
    expect((await later).versionId).toBe('v2')
    await client.close()
  })
})
