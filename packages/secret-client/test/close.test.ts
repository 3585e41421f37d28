import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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
})

describe('close()', () => {
  it('rejects in-flight calls with CLOSED, aborts the request and leaves no timers', async () => {
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { timeoutMs: 5000 })
    const reads = [client.getSecretInfo('a'), client.getSecretInfo('a'), client.refreshNow('b')]
    await flush()
    expect(fetcher.calls).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(2) // one request timeout per flight
    await client.close()
    for (const outcome of await Promise.allSettled(reads)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'CLOSED' } })
    }
    expect(fetcher.calls.every((c) => c.aborted())).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
    expect(fetcher.closeCount).toBe(1)
  })

  it('cancels a retry backoff wait', async () => {
    const fetcher = new ScriptFetcher(() => {
      throw kmsError('Rejected.Throttling')
    })
    const client = clientWith(fetcher, { retry: { baseDelayMs: 5000, maxDelayMs: 5000 } })
    const read = client.getSecretInfo('db')
    await flush()
    expect(fetcher.count).toBe(1)
    await client.close()
    await expect(read).rejects.toMatchObject({ code: 'CLOSED' })
    expect(vi.getTimerCount()).toBe(0)
    expect(fetcher.count).toBe(1)
  })

  it('cancels a background refresh and a queued refreshNow follow-up', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const fetcher = new ManualFetcher()
    const client = clientWith(fetcher, { ttlMs: 1000, refreshAheadRatio: 0.5 })
    const first = client.getSecretInfo('db')
    await flush()
    fetcher.last().resolve(record('db', 'v1', 'pw'))
    await first
    vi.advanceTimersByTime(600)
    await client.getSecretInfo('db') // background refresh in flight
    await flush()
    const forced = client.refreshNow('db') // queued behind it
    await client.close()
    await expect(forced).rejects.toMatchObject({ code: 'CLOSED' })
    expect(fetcher.calls).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
    vi.restoreAllMocks()
  })

  it('every method throws CLOSED afterwards; close is idempotent', async () => {
    const fetcher = new ScriptFetcher(() => record('db', 'v1', '{"a":1}'))
    const client = clientWith(fetcher)
    const events = recordEvents(client)
    await client.getSecretInfo('db')
    await client.getSecretInfo('db', { versionStage: 'ACSPrevious' })
    const closing = client.close()
    expect(client.close()).toBe(closing)
    await closing
    await client.close()
    expect(fetcher.closeCount).toBe(1)
    expect(events.filter((e) => e.name === 'evict').map((e) => e.payload)).toEqual([
      { secretName: 'db', versionStage: 'ACSPrevious', versionId: 'v1', reason: 'close' },
      { secretName: 'db', versionStage: 'ACSCurrent', versionId: 'v1', reason: 'close' },
    ])
    const calls = [
      client.getSecretInfo('db'),
      client.getStringValue('db'),
      client.getBinaryValue('db'),
      client.getJsonValue('db'),
      client.getDatabaseCredentials('db'),
      client.refreshNow('db'),
    ]
    for (const outcome of await Promise.allSettled(calls)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'CLOSED' } })
    }
    expect(fetcher.count).toBe(2)
  })

  it('a failing fetcher.close() is logged, not thrown', async () => {
    const warn = vi.fn()
    const client = clientWith(
      {
        fetchSecret: async () => record('db', 'v1', 'pw'),
        close: () => {
          throw new Error('socket trouble')
        },
      },
      { logger: { warn } },
    )
    await client.close()
    expect(warn).toHaveBeenCalledWith('secret-client: fetcher.close() failed', { error: 'Error' })
  })
})
