import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CLOCK_RESOLUTION_MS, CoarseClock } from '../../src/internal/coarse-clock.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('CoarseClock', () => {
  it('reads Date.now() once per resolution window', () => {
    const spy = vi.spyOn(Date, 'now')
    const clock = new CoarseClock()
    const first = clock.now()
    for (let i = 0; i < 100; i++) expect(clock.now()).toBe(first)
    expect(spy).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(CLOCK_RESOLUTION_MS)
    expect(clock.now()).toBe(first + CLOCK_RESOLUTION_MS)
    expect(spy).toHaveBeenCalledTimes(2)
    clock.close()
  })

  it('holds no timer while idle or after close()', () => {
    const clock = new CoarseClock()
    expect(vi.getTimerCount()).toBe(0)
    clock.now()
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(CLOCK_RESOLUTION_MS)
    expect(vi.getTimerCount()).toBe(0)
    clock.now()
    clock.close()
    expect(vi.getTimerCount()).toBe(0)
    vi.setSystemTime(Date.now() + 5000)
    expect(clock.now()).toBe(Date.now()) // close() also dropped the cached reading
    clock.close()
  })
})
