import { describe, expect, it } from 'vitest'
import { RegionRouter } from '../../src/kms/region-router.js'

function router(regions = ['cn-a', 'cn-b', 'cn-c']) {
  const clock = { t: 1_000_000 }
  const r = new RegionRouter(regions, { now: () => clock.t, cooldownMs: 30_000 })
  return { r, clock }
}

describe('RegionRouter', () => {
  it('tries unmeasured regions first, in configuration order', () => {
    const { r } = router()
    expect(r.plan()).toEqual([0, 1, 2])
    r.succeeded(0, 50)
    expect(r.plan()).toEqual([1, 2, 0])
    r.succeeded(1, 80)
    expect(r.plan()).toEqual([2, 0, 1])
  })

  it('then orders by the moving average of real latency', () => {
    const { r } = router()
    r.succeeded(0, 100)
    r.succeeded(1, 20)
    r.succeeded(2, 60)
    expect(r.plan()).toEqual([1, 2, 0])
    // One fast sample moves the average only part of the way (alpha 0.3): 100 → 70.
    r.succeeded(0, 0)
    expect(r.health()[0]?.latencyMs).toBeCloseTo(70)
    expect(r.plan()).toEqual([1, 2, 0])
    r.succeeded(0, 0)
    r.succeeded(0, 0) // 70 → 49 → 34.3
    expect(r.plan()).toEqual([1, 0, 2])
  })

  it('skips a failed region for the cool-down, doubling per consecutive failure', () => {
    const { r, clock } = router()
    r.succeeded(0, 10)
    r.succeeded(1, 20)
    r.succeeded(2, 30)
    r.failed(0)
    expect(r.plan()).toEqual([1, 2])
    clock.t += 29_999
    expect(r.plan()).toEqual([1, 2])
    clock.t += 1
    expect(r.plan()).toEqual([0, 1, 2])
    r.failed(0)
    expect(r.health()[0]?.consecutiveFailures).toBe(2)
    clock.t += 59_999
    expect(r.plan()).toEqual([1, 2])
    clock.t += 1
    expect(r.plan()).toEqual([0, 1, 2])
  })

  it('caps the cool-down', () => {
    const clock = { t: 0 }
    const r = new RegionRouter(['cn-a', 'cn-b'], {
      now: () => clock.t,
      cooldownMs: 1000,
      maxCooldownMs: 5000,
    })
    for (let i = 0; i < 20; i++) r.failed(0)
    expect(r.health()[0]?.coolingUntil).toBe(5000)
  })

  it('a success ends the cool-down and resets the failure count', () => {
    const { r } = router(['cn-a'])
    r.failed(0)
    r.failed(0)
    r.succeeded(0, 5)
    expect(r.health()[0]).toMatchObject({ consecutiveFailures: 0, coolingUntil: 0 })
  })

  it('when every region is cooling, tries only the least recently failed one', () => {
    const { r, clock } = router()
    r.failed(1)
    clock.t += 10
    r.failed(0)
    clock.t += 10
    r.failed(2)
    expect(r.plan()).toEqual([1])
    clock.t += 10
    r.failed(1)
    expect(r.plan()).toEqual([0])
  })

  it('a single region is always tried, even while cooling', () => {
    const { r } = router(['cn-a'])
    r.failed(0)
    expect(r.plan()).toEqual([0])
  })
})
