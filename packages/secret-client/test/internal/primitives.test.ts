import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { abortableSleep } from '../../src/internal/abortable-sleep.js'
import { deepFreeze } from '../../src/internal/deep-freeze.js'
import { TypedEmitter } from '../../src/internal/typed-emitter.js'
import { waitFor } from '../../src/internal/wait-for.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('abortableSleep', () => {
  it('resolves after the delay', async () => {
    let done = false
    const sleeping = abortableSleep(100, new AbortController().signal).then(() => {
      done = true
    })
    await vi.advanceTimersByTimeAsync(99)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await sleeping
    expect(done).toBe(true)
  })

  it('rejects with the reason on abort and clears its timer', async () => {
    const controller = new AbortController()
    const sleeping = abortableSleep(10_000, controller.signal)
    expect(vi.getTimerCount()).toBe(1)
    controller.abort(new Error('stop'))
    await expect(sleeping).rejects.toThrow('stop')
    expect(vi.getTimerCount()).toBe(0)
    await expect(abortableSleep(1, controller.signal)).rejects.toThrow('stop')
  })

  it('uses injected timers', async () => {
    const delays: number[] = []
    await abortableSleep(1234, new AbortController().signal, {
      setTimeout: (fn, ms) => {
        delays.push(ms)
        fn()
        return 0
      },
      clearTimeout: () => {},
    })
    expect(delays).toEqual([1234])
  })
})

describe('waitFor', () => {
  it('ends only the wait on abort, with the mapped error; the promise goes on', async () => {
    let resolve!: (v: string) => void
    const shared = new Promise<string>((r) => {
      resolve = r
    })
    const controller = new AbortController()
    const mine = waitFor(shared, controller.signal, () => new Error('mine aborted'))
    const theirs = waitFor(shared, new AbortController().signal)
    controller.abort()
    await expect(mine).rejects.toThrow('mine aborted')
    resolve('value')
    await expect(theirs).resolves.toBe('value')
  })

  it('removes its abort listener once settled', async () => {
    const controller = new AbortController()
    const add = vi.spyOn(controller.signal, 'addEventListener')
    const remove = vi.spyOn(controller.signal, 'removeEventListener')
    await waitFor(Promise.resolve(1), controller.signal)
    await waitFor(Promise.reject(new Error('x')), controller.signal).catch(() => {})
    expect(add).toHaveBeenCalledTimes(2)
    expect(remove).toHaveBeenCalledTimes(2)
  })
})

describe('TypedEmitter', () => {
  it('delivers in order, isolates throwing listeners, supports off and clear', () => {
    const errors: unknown[] = []
    const emitter = new TypedEmitter<{ ping: number }>((err) => errors.push(err))
    const seen: number[] = []
    const a = (n: number): void => {
      seen.push(n)
    }
    emitter.on('ping', a)
    emitter.on('ping', () => {
      throw new Error('bad listener')
    })
    emitter.on('ping', (n) => seen.push(n * 10))
    emitter.emit('ping', 1)
    expect(seen).toEqual([1, 10])
    expect(errors).toHaveLength(1)
    emitter.off('ping', a)
    emitter.emit('ping', 2)
    expect(seen).toEqual([1, 10, 20])
    expect(emitter.has('ping')).toBe(true)
    emitter.clear()
    emitter.emit('ping', 3)
    expect(seen).toEqual([1, 10, 20])
    expect(emitter.has('ping')).toBe(false)
  })
})

describe('deepFreeze', () => {
  it('freezes nested objects and arrays', () => {
    const value = deepFreeze({ a: { b: [1, { c: 2 }] } })
    expect(Object.isFrozen(value.a.b[1])).toBe(true)
    expect(deepFreeze(null)).toBe(null)
  })
})
