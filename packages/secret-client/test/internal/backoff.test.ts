import { describe, expect, it } from 'vitest'
import { backoffDelay, nextRetryDelay, type RetryPolicy } from '../../src/internal/backoff.js'

const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 10_000 }

/** A small seeded PRNG (mulberry32) so the test is deterministic yet exercises many values. */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

describe('full-jitter backoff', () => {
  it('draws random delays in [0, min(maxDelayMs, baseDelayMs·2^n)]', () => {
    const random = seeded(42)
    for (let retry = 0; retry < 10; retry++) {
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
      const delays = Array.from({ length: 500 }, () => backoffDelay(retry, policy, random))
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0)
      expect(Math.max(...delays)).toBeLessThanOrEqual(cap)
      // Really random: many distinct values, spread over the range.
      expect(new Set(delays).size).toBeGreaterThan(Math.min(cap, 500) / 3)
      expect(Math.max(...delays)).toBeGreaterThan(cap * 0.9)
      expect(Math.min(...delays)).toBeLessThan(cap * 0.1)
    }
  })

  it('uses the injected random source', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(0)
    expect(backoffDelay(3, policy, () => 0.5)).toBe(800)
    expect(backoffDelay(20, policy, () => 0.999_999)).toBe(9999)
  })

  it('treats a retry-after hint as a floor, and gives up when it exceeds the cap', () => {
    expect(nextRetryDelay(0, policy, () => 0.5, undefined)).toBe(100)
    expect(nextRetryDelay(0, policy, () => 0.5, 3000)).toBe(3000)
    expect(nextRetryDelay(10, policy, () => 0.9, 3000)).toBe(9000)
    expect(nextRetryDelay(0, policy, () => 0.5, 10_000)).toBe(10_000)
    expect(nextRetryDelay(0, policy, () => 0.5, 10_001)).toBeUndefined()
  })
})
