import { EventEmitter } from 'node:events'
import type { DatabaseCredentials } from '@org/secret-client'
import { describe, expect, it } from 'vitest'
import { PoolGenerations } from '../src/internal/pool-generations.js'
import { resolveSettings } from '../src/internal/resolve-settings.js'

const creds = (versionId: string): DatabaseCredentials => ({
  username: `user-${versionId}`,
  password: 'p',
  versionId,
  secretName: 's',
})

/** A pg-pool stand-in with the members generations use, recording removals. */
function fakePool() {
  const removed: object[] = []
  let pulses = 0
  const pool = {
    _clients: [] as object[],
    _idle: [] as Array<{ client: object }>,
    _expired: new WeakSet<object>(),
    _remove(client: object, callback?: () => void) {
      removed.push(client)
      pool._clients = pool._clients.filter((c) => c !== client)
      pool._idle = pool._idle.filter((item) => item.client !== client)
      callback?.()
    },
    _pulseQueue() {
      pulses += 1
    },
  }
  return { pool, removed, pulses: () => pulses }
}

/** Generations whose source hands out the given versions in order. */
function generations(versions: string[], recycle = true) {
  const queue = [...versions]
  const settings = resolveSettings({
    secretName: 's',
    secretClient: {
      getDatabaseCredentials: async () => creds(queue.shift() ?? 'none'),
      refreshNow: async () => ({ versionId: 'unused' }),
    },
  })
  return new PoolGenerations(settings, recycle)
}

describe('PoolGenerations', () => {
  it('retires older clients when a client of the newest version connects', async () => {
    const gens = generations(['v1', 'v1', 'v2'])
    const { pool, removed, pulses } = fakePool()
    gens.attach(pool)
    const source = gens.source()
    const [idle, busy, fresh] = [{}, {}, {}]
    pool._clients.push(idle, busy, fresh)
    gens.connected(idle, await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' }))
    gens.connected(busy, await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' }))
    pool._idle.push({ client: idle })
    expect(removed).toEqual([])

    gens.connected(fresh, await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' }))
    expect(removed).toEqual([idle])
    expect(pulses()).toBe(1)
    expect(pool._expired.has(busy)).toBe(true)
    expect(pool._expired.has(fresh)).toBe(false)
    expect(gens.versionOf(fresh)).toBe('v2')
  })

  it('a client that connects late with an older version is expired, not made current', async () => {
    const gens = generations(['v1', 'v2'])
    const { pool, removed } = fakePool()
    gens.attach(pool)
    const source = gens.source()
    const [late, early] = [{}, {}]
    pool._clients.push(late, early)
    const lateCreds = await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' })
    const earlyCreds = await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' })
    gens.connected(early, earlyCreds)
    gens.connected(late, lateCreds)
    expect(pool._expired.has(late)).toBe(true)
    expect(pool._expired.has(early)).toBe(false)
    expect(removed).toEqual([])
  })

  it('does not count ACSPrevious reads as the newest version', async () => {
    const gens = generations(['v2', 'v1'])
    const { pool } = fakePool()
    gens.attach(pool)
    const source = gens.source()
    const client = {}
    pool._clients.push(client)
    await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' })
    const previous = await source.getDatabaseCredentials('s', { versionStage: 'ACSPrevious' })
    gens.connected(client, previous)
    // Connected with the fallback: served once, then closed.
    expect(pool._expired.has(client)).toBe(true)
  })

  it('does nothing with recycling off, or on a pool without the pg-pool members', async () => {
    for (const [recycle, pool] of [
      [false, fakePool().pool],
      [true, { _clients: [] }],
    ] as const) {
      const gens = generations(['v1', 'v2'], recycle)
      gens.attach(pool)
      const source = gens.source()
      const a = {}
      const b = {}
      gens.connected(a, await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' }))
      gens.connected(b, await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' }))
      expect(gens.versionOf(b)).toBe('v2')
      if ('_expired' in pool) expect(pool._expired.has(a)).toBe(false)
    }
  })

  it('follows the refresh events of its secret and stage, until detached', async () => {
    const emitter = new EventEmitter()
    const settings = resolveSettings({
      secretName: 's',
      secretClient: {
        getDatabaseCredentials: async () => creds('v1'),
        refreshNow: async () => ({ versionId: 'unused' }),
        on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
        off: (event: string, listener: (e: unknown) => void) => emitter.off(event, listener),
      } as never,
    })
    const gens = new PoolGenerations(settings, true)
    const { pool, removed } = fakePool()
    gens.attach(pool)
    const source = gens.source()
    expect(emitter.listenerCount('refresh')).toBe(1)
    const [idle, busy] = [{}, {}]
    pool._clients.push(idle, busy)
    gens.connected(idle, await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' }))
    gens.connected(busy, await source.getDatabaseCredentials('s', { versionStage: 'ACSCurrent' }))
    pool._idle.push({ client: idle })

    const refresh = (secretName: string, versionStage: string, versionId: string) =>
      emitter.emit('refresh', { secretName, versionStage, versionId })
    refresh('other', 'ACSCurrent', 'v9')
    refresh('s', 'ACSPrevious', 'v0')
    expect(removed).toEqual([])
    refresh('s', 'ACSCurrent', 'v2')
    expect(removed).toEqual([idle])
    expect(pool._expired.has(busy)).toBe(true)

    gens.detach()
    expect(emitter.listenerCount('refresh')).toBe(0)
  })
})
