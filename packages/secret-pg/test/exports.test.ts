import pg from 'pg'
import { describe, expect, it } from 'vitest'
import secretPg, * as named from '../src/index.js'

describe('exports mirror pg', () => {
  it('re-exports pg members unchanged, with its own Client and Pool', () => {
    for (const key of [
      'types',
      'DatabaseError',
      'defaults',
      'Connection',
      'Query',
      'Result',
      'TypeOverrides',
      'escapeIdentifier',
      'escapeLiteral',
    ] as const) {
      expect(named[key], key).toBe(pg[key])
      expect(secretPg[key], key).toBe(pg[key])
    }
    expect(secretPg.Client).toBe(named.Client)
    expect(secretPg.Pool).toBe(named.Pool)
    expect(named.Client.prototype).toBeInstanceOf(pg.Client)
    expect(named.Pool.prototype).toBeInstanceOf(pg.Pool)
    expect(secretPg.isAuthFailure).toBe(named.isAuthFailure)
  })
})
