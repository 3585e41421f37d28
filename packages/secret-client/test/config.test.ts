import { describe, expect, it, vi } from 'vitest'
import { SecretClientError } from '../src/errors.js'
import { resolveConfig } from '../src/internal/resolve-config.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import { clientWith, record, ScriptFetcher } from './_helpers.js'

const fetcher = { fetchSecret: async () => record('db', 'v1', 'x') }

describe('config', () => {
  it('resolves defaults once into a frozen object', () => {
    const config = resolveConfig({ fetcher })
    expect(config).toMatchObject({
      ttlMs: 3_600_000,
      maxStaleMs: 86_400_000,
      maxEntries: 1000,
      versionStage: 'ACSCurrent',
      retry: { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 },
      timeoutMs: 5000,
      minRefreshIntervalMs: 5000,
      refreshAheadRatio: 0.8,
    })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.retry)).toBe(true)
  })

  it.each([
    [{ ttlMs: -1 }, 'ttlMs'],
    [{ ttlMs: Number.NaN }, 'ttlMs'],
    [{ ttlMs: '1000' }, 'ttlMs'],
    [{ maxStaleMs: -5 }, 'maxStaleMs'],
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxEntries: 1.5 }, 'maxEntries'],
    // lru-cache preallocates: 2**31 ran out of memory, 2**53 threw its own untyped error.
    [{ maxEntries: 2 ** 31 }, 'maxEntries'],
    [{ maxEntries: 2 ** 53 }, 'maxEntries'],
    [{ maxEntries: 1_000_001 }, 'maxEntries'],
    [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    [{ retry: { maxAttempts: 2.5 } }, 'retry.maxAttempts'],
    [{ retry: { baseDelayMs: -1 } }, 'retry.baseDelayMs'],
    [{ retry: { maxDelayMs: 2 ** 31 } }, 'retry.maxDelayMs'],
    [{ retry: 3 }, 'retry'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs'],
    [{ minRefreshIntervalMs: -1 }, 'minRefreshIntervalMs'],
    [{ refreshAheadRatio: 0 }, 'refreshAheadRatio'],
    [{ refreshAheadRatio: 1.5 }, 'refreshAheadRatio'],
    [{ versionStage: '' }, 'versionStage'],
    [{ secretTtlMs: { db: -1 } }, 'secretTtlMs["db"]'],
    [{ secretTtlMs: [] }, 'secretTtlMs'],
    [{ logger: 'console' }, 'logger'],
  ])('rejects %j with INVALID_CONFIG naming %s', (options, option) => {
    let caught: unknown
    try {
      new SecretCacheClient({ fetcher, ...(options as object) })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(SecretClientError)
    expect(caught).toMatchObject({ code: 'INVALID_CONFIG' })
    expect((caught as Error).message).toContain(`Invalid option ${option}:`)
  })

  it('accepts maxEntries up to 1 000 000', async () => {
    const client = new SecretCacheClient({ fetcher, maxEntries: 1_000_000 })
    await client.close()
  })

  it('rejects a fetcher without fetchSecret', () => {
    expect(() => new SecretCacheClient({ fetcher: {} as never })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('fetcher'),
      }),
    )
  })

  it('never echoes the bad value', () => {
    try {
      new SecretCacheClient({ fetcher, ttlMs: 'hunter2-secret' as never })
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2')
    }
  })

  it('accepts edge values: ttlMs 0, maxStaleMs 0, maxAttempts 1, ratio 1', () => {
    expect(() =>
      clientWith(fetcher, {
        ttlMs: 0,
        maxStaleMs: 0,
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        refreshAheadRatio: 1,
        minRefreshIntervalMs: 0,
      }),
    ).not.toThrow()
  })
})

describe('arguments', () => {
  it('rejects a bad secret name, stage or event with INVALID_ARGUMENT', async () => {
    const script = new ScriptFetcher(() => record('db', 'v1', 'x'))
    const client = clientWith(script)
    for (const name of ['', 'a\0b', 42 as never, undefined as never]) {
      await expect(client.getSecretInfo(name)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      await expect(client.refreshNow(name)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
    await expect(client.getSecretInfo('db', { versionStage: '' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    expect(() => client.on('nope' as never, () => {})).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => client.on('refresh', 'x' as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(script.count).toBe(0)
    await client.close()
  })

  it('on/off add and remove listeners; a throwing listener does not break reads', async () => {
    const error = vi.fn()
    const client = clientWith(new ScriptFetcher((r) => record(r.secretName, 'v1', 'x')), {
      logger: { error },
    })
    const seen: string[] = []
    const listener = (e: { secretName: string }): void => {
      seen.push(e.secretName)
    }
    client.on('refresh', listener).on('refresh', () => {
      throw new Error('listener bug')
    })
    await client.getSecretInfo('a')
    client.off('refresh', listener)
    await client.getSecretInfo('b')
    expect(seen).toEqual(['a'])
    expect(error).toHaveBeenCalledWith('secret-client: event listener threw', {
      event: 'refresh',
      error: 'Error',
    })
    await client.close()
  })
})
