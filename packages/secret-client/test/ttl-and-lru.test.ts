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

  it('without a spread, never outlives NextRotationDate + grace', async () => {
    const nextRotationDate = new Date(Date.now() + 120_000).toISOString()
    expect(await lifetimeOf('plain', { rotationSpreadMs: 0 }, { nextRotationDate })).toBe(
      120_000 + ROTATION_GRACE_MS,
    )
  })

  it('a NextRotationDate in the past does not expire the entry instantly', async () => {
    const nextRotationDate = new Date(Date.now() - 3_600_000).toISOString()
    expect(await lifetimeOf('plain', { rotationSpreadMs: 0 }, { nextRotationDate })).toBe(
      ROTATION_FLOOR_MS,
    )
  })

  it('after a rotation each entry reads the new version at its own moment within the spread', () => {
    const now = Date.now()
    const rotation = now + 600_000
    const date = new Date(rotation).toISOString()
    for (const r of [0, 0.25, 0.999]) {
      const lifetime = entryLifetime(now, 3_600_000, date, 0.8, () => r, 300_000)
      expect(lifetime.refreshAt).toBe(rotation + ROTATION_GRACE_MS + r * 300_000)
      expect(lifetime.expiresAt).toBe(lifetime.refreshAt + 300_000)
    }
    // An overdue rotation spreads its re-reads too.
    const overdue = new Date(now - 1000).toISOString()
    expect(entryLifetime(now, 3_600_000, overdue, 0.8, () => 0.5, 300_000).refreshAt).toBe(
      now + ROTATION_FLOOR_MS + 150_000,
    )
  })

  it('a rotation just before the TTL ends: no refresh-ahead before it, nothing past the TTL', () => {
    const now = Date.now()
    const rotation = now + 59 * 60_000
    const date = new Date(rotation).toISOString()
    for (const r of [0, 0.5, 0.99]) {
      const lifetime = entryLifetime(now, 3_600_000, date, 0.8, () => r, 300_000)
      expect(lifetime.refreshAt).toBeGreaterThanOrEqual(rotation + ROTATION_GRACE_MS)
      expect(lifetime.expiresAt).toBeLessThanOrEqual(now + 3_600_000)
      expect(lifetime.refreshAt).toBeLessThanOrEqual(lifetime.expiresAt)
    }
  })

  it('a fleet reads the new version spread over the window, none before rotation + grace', async () => {
    const rotation = Date.now() + 120_000
    const nextRotationDate = new Date(rotation).toISOString()
    const reads: number[] = []
    const clients = Array.from({ length: 200 }, (_, i) => {
      let random = ((i * 7919) % 200) / 200
      const fetcher = new ScriptFetcher((req, call) => {
        if (call > 1) reads.push(Date.now())
        // After the rotation KMS names the next one, a week later.
        const next = call > 1 ? new Date(rotation + 7 * 86_400_000).toISOString() : nextRotationDate
        return record(req.secretName, `v${call}`, 'x', { nextRotationDate: next })
      })
      return clientWith(fetcher, { rotationSpreadMs: 60_000, random: () => random++ % 1 })
    })
    for (const client of clients) await client.getSecretInfo('db')
    for (let t = 0; t < 120_000 + ROTATION_GRACE_MS + 130_000; t += 1000) {
      vi.advanceTimersByTime(1000)
      for (const client of clients) await client.getSecretInfo('db')
    }
    expect(reads).toHaveLength(200)
    expect(Math.min(...reads)).toBeGreaterThanOrEqual(rotation + ROTATION_GRACE_MS)
    expect(Math.max(...reads)).toBeLessThanOrEqual(rotation + ROTATION_GRACE_MS + 60_000 + 1000)
    // Spread over the window: no second holds more than a few of the 200 reads.
    const perSecond = new Map<number, number>()
    for (const at of reads)
      perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1)
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(8)
    for (const client of clients) await client.close()
  })

  it('no refresh-ahead before a known rotation: the old version is not re-read', async () => {
    const rotation = Date.now() + 600_000
    const fetcher = new ScriptFetcher((req, call) =>
      record(req.secretName, `v${call}`, 'x', {
        nextRotationDate: new Date(rotation).toISOString(),
      }),
    )
    const client = clientWith(fetcher, { refreshAheadRatio: 0.8, rotationSpreadMs: 0 })
    await client.getSecretInfo('db')
    for (let t = 0; t < 600_000; t += 1000) {
      vi.advanceTimersByTime(1000)
      await client.getSecretInfo('db')
    }
    expect(fetcher.count).toBe(1)
    await client.close()
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
