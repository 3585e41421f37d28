import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  entryLifetime,
  ROTATION_FLOOR_MS,
  ROTATION_GRACE_MS,
} from '../src/internal/entry-lifetime.js'
import { clientWith, record, recordEvents, ScriptFetcher } from './_helpers.js'

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
})
afterEach(() => {
  vi.useRealTimers()
})

/** Fetches until the secret has been read `n` times; returns how long (ms) the first value lived. */
async function lifetimeOf(
  value: string,
  options: Parameters<typeof clientWith>[1],
  extra: Parameters<typeof record>[3] = {},
  name = 'db',
): Promise<number> {
  const fetcher = new ScriptFetcher(() => record(name, 'v1', value, extra))
  const client = clientWith(fetcher, { refreshAheadRatio: 1, ...options })
  await client.getSecretInfo(name)
  let step = 0
  // Bounded so a regression fails instead of spinning: 10,000 steps = 10,000 s.
  while (fetcher.count === 1 && step < 10_000_000) {
    step += 1000
    vi.advanceTimersByTime(1000)
    await client.getSecretInfo(name)
  }
  await client.close()
  return step
}

describe('TTL', () => {
  it('defaults to one hour', async () => {
    expect(await lifetimeOf('plain', {})).toBe(3_600_000)
  })

  it('ttlMs is the base', async () => {
    expect(await lifetimeOf('plain', { ttlMs: 10_000 })).toBe(10_000)
  })

  it('secretTtlMs[name] overrides ttlMs', async () => {
    expect(await lifetimeOf('plain', { ttlMs: 10_000, secretTtlMs: { db: 5000 } })).toBe(5000)
    expect(await lifetimeOf('plain', { ttlMs: 10_000, secretTtlMs: { other: 5000 } })).toBe(10_000)
  })

  it('a ttl field in a JSON value overrides both', async () => {
    const value = JSON.stringify({ AccountName: 'u', AccountPassword: 'p', ttl: 3000 })
    expect(await lifetimeOf(value, { ttlMs: 10_000, secretTtlMs: { db: 5000 } })).toBe(3000)
  })

  it('a non-numeric ttl field is ignored', async () => {
    const value = JSON.stringify({ ttl: '3000' })
    expect(await lifetimeOf(value, { ttlMs: 10_000, secretTtlMs: { db: 5000 } })).toBe(5000)
  })

  it('never outlives NextRotationDate + grace', async () => {
    const nextRotationDate = new Date(Date.now() + 120_000).toISOString()
    expect(await lifetimeOf('plain', {}, { nextRotationDate })).toBe(120_000 + ROTATION_GRACE_MS)
  })

  it('a NextRotationDate in the past does not expire the entry instantly', async () => {
    const nextRotationDate = new Date(Date.now() - 3_600_000).toISOString()
    expect(await lifetimeOf('plain', {}, { nextRotationDate })).toBe(ROTATION_FLOOR_MS)
  })

  it('a NextRotationDate later than the TTL changes nothing; garbage is ignored', () => {
    const now = Date.now()
    const later = new Date(now + 10 * 3_600_000).toISOString()
    expect(entryLifetime(now, 3_600_000, later, 1, Math.random).expiresAt).toBe(now + 3_600_000)
    expect(entryLifetime(now, 3_600_000, 'not a date', 1, Math.random).expiresAt).toBe(
      now + 3_600_000,
    )
  })
})

describe('LRU', () => {
  it('keeps at most maxEntries and reports evictions with reason lru', async () => {
    const fetcher = new ScriptFetcher((req) => record(req.secretName, 'v1', 'x'))
    const client = clientWith(fetcher, { maxEntries: 2 })
    const events = recordEvents(client)
    await client.getSecretInfo('a')
    await client.getSecretInfo('b')
    await client.getSecretInfo('a') // a is now most recently used
    await client.getSecretInfo('c') // evicts b
    expect(events.filter((e) => e.name === 'evict').map((e) => e.payload)).toEqual([
      { secretName: 'b', versionStage: 'ACSCurrent', versionId: 'v1', reason: 'lru' },
    ])
    expect(fetcher.count).toBe(3)
    await client.getSecretInfo('a')
    expect(fetcher.count).toBe(3)
    await client.getSecretInfo('b')
    expect(fetcher.count).toBe(4)
    await client.close()
  })

  it('keys by name and stage', async () => {
    const fetcher = new ScriptFetcher((req) =>
      record(req.secretName, req.versionStage === 'ACSPrevious' ? 'v0' : 'v1', 'x'),
    )
    const client = clientWith(fetcher)
    expect((await client.getSecretInfo('db')).versionId).toBe('v1')
    expect((await client.getSecretInfo('db', { versionStage: 'ACSPrevious' })).versionId).toBe('v0')
    expect((await client.getSecretInfo('db', { versionStage: 'ACSCurrent' })).versionId).toBe('v1')
    expect(fetcher.count).toBe(2)
    await client.close()
  })

  it('versionStage option changes the default stage', async () => {
    const fetcher = new ScriptFetcher((req) => record(req.secretName, req.versionStage, 'x'))
    const client = clientWith(fetcher, { versionStage: 'ACSPrevious' })
    expect((await client.getSecretInfo('db')).versionId).toBe('ACSPrevious')
    await client.close()
  })
})
