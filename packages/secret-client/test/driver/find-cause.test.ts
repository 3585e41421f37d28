import { describe, expect, it } from 'vitest'
import { findCause } from '../../src/driver/find-cause.js'

/** An error tagged with an `id`, optionally wrapping `cause`. */
function tagged(id: string, cause?: unknown): Error & { id: string } {
  const error = cause === undefined ? new Error(id) : new Error(id, { cause })
  return Object.assign(error, { id })
}

const hasId =
  (id: string) =>
  (candidate: object): boolean =>
    (candidate as { id?: unknown }).id === id

/** A chain of `length` errors linked by `cause`, the one at `depth` (0 = head) tagged `match`. */
function chain(length: number, matchAt: number): Error {
  let head: Error | undefined
  for (let depth = length - 1; depth >= 0; depth--) {
    head = tagged(depth === matchAt ? 'match' : `e${depth}`, head)
  }
  return head as Error
}

describe('findCause', () => {
  it('matches the error itself', () => {
    const error = tagged('match', tagged('inner-match'))
    expect(findCause(error, (e) => (e as { id?: string }).id?.includes('match') === true)).toBe(
      error,
    )
  })

  it('returns undefined when nothing matches', () => {
    expect(findCause(tagged('a', tagged('b')), hasId('zzz'))).toBeUndefined()
  })

  it('follows cause', () => {
    const inner = tagged('match')
    expect(findCause(tagged('outer', tagged('middle', inner)), hasId('match'))).toBe(inner)
  })

  it('follows originalError (node-mssql style wrappers)', () => {
    const driver = tagged('match')
    const wrapper = Object.assign(new Error('ConnectionError'), { originalError: driver })
    expect(findCause(wrapper, hasId('match'))).toBe(driver)
  })

  it('follows cause and originalError through each other', () => {
    const driver = tagged('match')
    const mssql = Object.assign(new Error('mssql'), { originalError: driver })
    const orm = new Error('orm', { cause: mssql })
    expect(findCause(orm, hasId('match'))).toBe(driver)
  })

  it('looks inside AggregateError.errors', () => {
    const refused = tagged('refused')
    const denied = tagged('match')
    const aggregate = new AggregateError([refused, 'not an object', null, denied], 'connect')
    expect(findCause(aggregate, hasId('match'))).toBe(denied)
  })

  it('looks inside an AggregateError nested in a cause', () => {
    const denied = tagged('match')
    const aggregate = new AggregateError([tagged('refused'), denied], 'connect')
    const outer = tagged('pool', tagged('wrapped', aggregate))
    expect(findCause(outer, hasId('match'))).toBe(denied)
  })

  it('ignores an errors property that is not an array', () => {
    const hidden = tagged('match')
    const error = Object.assign(new Error('x'), { errors: { 0: hidden, length: 1 } })
    expect(findCause(error, hasId('match'))).toBeUndefined()
  })

  it('walks breadth-first: the nearer match wins over a deeper one found first depth-first', () => {
    const deep = tagged('match-deep')
    const near = tagged('match-near')
    // Depth-first along `cause` would reach `deep` (depth 2) before `near` (depth 1).
    const root = Object.assign(tagged('root', tagged('middle', deep)), { originalError: near })
    const isMatch = (e: object) => String((e as { id?: unknown }).id).startsWith('match')
    expect(findCause(root, isMatch)).toBe(near)
  })

  it('visits the errors in breadth-first order, each once', () => {
    const shared = tagged('shared')
    const a = tagged('a', shared)
    const b = Object.assign(tagged('b'), { originalError: shared })
    const root = new AggregateError([a, b], 'root')
    const visited: string[] = []
    findCause(root, (e) => {
      visited.push(String((e as { id?: unknown }).id ?? (e as Error).message))
      return false
    })
    expect(visited).toEqual(['root', 'a', 'b', 'shared'])
  })

  it('terminates on an error that is its own cause', () => {
    const a = tagged('a') as Error & { cause?: unknown }
    a.cause = a
    let calls = 0
    const result = findCause(a, () => {
      calls += 1
      return false
    })
    expect(result).toBeUndefined()
    expect(calls).toBe(1)
  })

  it('terminates on a two-error cycle and still finds a match in it', () => {
    const a = tagged('a') as Error & { cause?: unknown }
    const b = tagged('b') as Error & { cause?: unknown }
    a.cause = b
    b.cause = a
    let calls = 0
    const none = findCause(a, () => {
      calls += 1
      return false
    })
    expect(none).toBeUndefined()
    expect(calls).toBe(2)
    expect(findCause(a, hasId('b'))).toBe(b)
  })

  it('terminates on an AggregateError that contains itself', () => {
    const errors: unknown[] = []
    const aggregate = new AggregateError(errors, 'self')
    ;(aggregate as { errors: unknown[] }).errors = [aggregate, aggregate]
    expect(findCause(aggregate, () => false)).toBeUndefined()
  })

  it('walks at most 64 errors: a match at depth 80 of a chain of 100 is not found', () => {
    let calls = 0
    const result = findCause(chain(100, 80), (e) => {
      calls += 1
      return hasId('match')(e)
    })
    expect(result).toBeUndefined()
    expect(calls).toBe(64)
  })

  it('finds a match that is the 64th error walked, not the 65th', () => {
    expect(findCause(chain(100, 63), hasId('match'))).toMatchObject({ id: 'match' })
    expect(findCause(chain(100, 64), hasId('match'))).toBeUndefined()
  })

  it('bounds a huge AggregateError too', () => {
    const members = Array.from({ length: 1_000 }, (_, i) => tagged(i === 500 ? 'match' : `m${i}`))
    let calls = 0
    const result = findCause(new AggregateError(members, 'huge'), (e) => {
      calls += 1
      return hasId('match')(e)
    })
    expect(result).toBeUndefined()
    expect(calls).toBeLessThanOrEqual(64)
  })

  it('survives a throwing getter on cause (that branch ends, others go on)', () => {
    const hostile = new Error('hostile')
    Object.defineProperty(hostile, 'cause', {
      get() {
        throw new Error('getter')
      },
    })
    expect(() => findCause(hostile, hasId('match'))).not.toThrow()
    expect(findCause(hostile, hasId('match'))).toBeUndefined()
    const sibling = tagged('match')
    const root = new AggregateError([hostile, sibling], 'root')
    expect(findCause(root, hasId('match'))).toBe(sibling)
  })

  it('survives a Proxy whose every property read throws', () => {
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('trap')
        },
      },
    )
    expect(findCause(proxy, () => false)).toBeUndefined()
    const match = tagged('match')
    expect(findCause(new AggregateError([proxy, match]), hasId('match'))).toBe(match)
  })

  it('treats a throwing predicate as no match and goes on', () => {
    const inner = tagged('match')
    const outer = tagged('outer', inner)
    const result = findCause(outer, (e) => {
      if ((e as { id?: unknown }).id === 'outer') throw new Error('predicate')
      return hasId('match')(e)
    })
    expect(result).toBe(inner)
    expect(
      findCause(outer, () => {
        throw new Error('always')
      }),
    ).toBeUndefined()
  })

  it.each([undefined, null, 'str', 42, true, Symbol('s'), () => {}])(
    'returns undefined for the non-object %s without calling the predicate',
    (input) => {
      let calls = 0
      expect(
        findCause(input, () => {
          calls += 1
          return true
        }),
      ).toBeUndefined()
      expect(calls).toBe(0)
    },
  )

  it('matches plain objects, not only Error instances', () => {
    const thrown = { code: 'ER_ACCESS_DENIED_ERROR' }
    const wrapper = new Error('wrapped', { cause: thrown })
    expect(
      findCause(wrapper, (e) => (e as { code?: unknown }).code === 'ER_ACCESS_DENIED_ERROR'),
    ).toBe(thrown)
  })
})
