import { describe, expect, it } from 'vitest'
import { resolveRotationRetry } from '../../src/driver/rotation-retry.js'

describe('resolveRotationRetry', () => {
  it('returns the frozen defaults when nothing is given', () => {
    const budget = resolveRotationRetry(undefined)
    expect(budget).toEqual({
      maxAttempts: Number.POSITIVE_INFINITY,
      maxTimeMs: 30_000,
      baseDelayMs: 100,
      maxDelayMs: 2_000,
    })
    expect(Object.isFrozen(budget)).toBe(true)
  })

  it('merges given fields over the defaults', () => {
    expect(resolveRotationRetry({ maxTimeMs: 1_500, maxAttempts: 3 })).toMatchObject({
      maxAttempts: 3,
      maxTimeMs: 1_500,
      baseDelayMs: 100,
    })
  })

  it.each([
    [{ maxAttempts: 0 }, 'rotationRetry.maxAttempts'],
    [{ maxAttempts: Number.NaN }, 'rotationRetry.maxAttempts'],
    [{ maxTimeMs: Number.POSITIVE_INFINITY }, 'rotationRetry.maxTimeMs'],
    [{ baseDelayMs: -1 }, 'rotationRetry.baseDelayMs'],
    [{ maxDelayMs: '5' }, 'rotationRetry.maxDelayMs'],
    ['soon', 'rotationRetry must be an object'],
    [null, 'rotationRetry must be an object'],
  ])('rejects %o naming %s', (value, named) => {
    expect(() => resolveRotationRetry(value, 'rotationRetry')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining(named) }),
    )
  })
})
