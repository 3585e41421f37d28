import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  AuthRetryExhaustedError,
  markAuthRetryExhausted,
} from '../../src/driver/auth-retry-exhausted-error.js'
import type { AuthRetryExhausted } from '../../src/driver/auth-retry-exhausted-mark.js'
import { isSecretClientError, SecretClientError } from '../../src/errors.js'

/** A driver's own error class, with the fields drivers classify by. */
class DriverError extends Error {
  code: string
  errno: number
  sqlState: string

  constructor(message: string) {
    super(message)
    this.name = 'DriverError'
    this.code = 'ER_ACCESS_DENIED_ERROR'
    this.errno = 1045
    this.sqlState = '28000'
  }
}

const DETAILS: AuthRetryExhausted = {
  secretName: 'db/app',
  attempts: 4,
  elapsedMs: 1_234,
  versionId: 'v7',
}

describe('markAuthRetryExhausted', () => {
  it('returns the driver error itself, with its class, message, stack and fields unchanged', () => {
    const error = new DriverError("Access denied for user 'app'")
    const before = {
      prototype: Object.getPrototypeOf(error),
      message: error.message,
      stack: error.stack,
      name: error.name,
      keys: Object.keys(error),
      json: JSON.stringify(error),
      inspected: inspect(error),
      string: String(error),
    }
    const marked = markAuthRetryExhausted(error, DETAILS)
    expect(marked).toBe(error)
    expect(Object.getPrototypeOf(marked)).toBe(before.prototype)
    expect(marked).toBeInstanceOf(DriverError)
    expect(marked.message).toBe(before.message)
    expect(marked.stack).toBe(before.stack)
    expect(marked.name).toBe(before.name)
    expect(Object.keys(marked)).toEqual(before.keys)
    expect(Object.keys(marked)).toEqual(['code', 'errno', 'sqlState', 'name'])
    expect(JSON.stringify(marked)).toBe(before.json)
    expect(inspect(marked)).toBe(before.inspected)
    expect(String(marked)).toBe(before.string)
    expect(marked).toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
      errno: 1045,
      sqlState: '28000',
    })
  })

  it('adds the details as non-enumerable, writable, configurable fields', () => {
    const error = new DriverError('denied')
    const marked = markAuthRetryExhausted(error, DETAILS)
    expect(marked).toMatchObject(DETAILS)
    for (const field of ['secretName', 'attempts', 'elapsedMs', 'versionId']) {
      expect(Object.getOwnPropertyDescriptor(marked, field)).toMatchObject({
        enumerable: false,
        writable: true,
        configurable: true,
      })
    }
    // No enumerable symbol either.
    expect(
      Object.getOwnPropertySymbols(marked).filter(
        (s) => Object.getOwnPropertyDescriptor(marked, s)?.enumerable,
      ),
    ).toEqual([])
  })

  it('keeps a versionId of undefined as an own field', () => {
    const marked = markAuthRetryExhausted(new DriverError('denied'), {
      ...DETAILS,
      versionId: undefined,
    })
    expect(Object.hasOwn(marked, 'versionId')).toBe(true)
    expect(marked.versionId).toBeUndefined()
  })

  it('can mark the same error again (a later budget), updating the details', () => {
    const error = new DriverError('denied')
    markAuthRetryExhausted(error, DETAILS)
    const again = markAuthRetryExhausted(error, { ...DETAILS, attempts: 9, versionId: 'v8' })
    expect(again).toBe(error)
    expect(again).toMatchObject({ attempts: 9, versionId: 'v8' })
  })

  it('marks a plain object thrown by a driver', () => {
    const thrown = { code: '28P01', message: 'password authentication failed' }
    const marked = markAuthRetryExhausted(thrown, DETAILS)
    expect(marked).toBe(thrown)
    expect(Object.keys(thrown)).toEqual(['code', 'message'])
    expect(isSecretClientError(marked, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
  })

  it.each([
    ['a string', 'connection refused'],
    ['a number', 1045],
    ['undefined', undefined],
    ['null', null],
    ['a frozen error', Object.freeze(new DriverError('frozen'))],
    ['a sealed error', Object.seal(new DriverError('sealed'))],
    ['a non-extensible error', Object.preventExtensions(new DriverError('fixed'))],
    ['a function', () => 'thrown function'],
  ])('wraps %s that cannot carry the mark in an AuthRetryExhaustedError', (_label, thrown) => {
    const result = markAuthRetryExhausted(thrown, DETAILS)
    expect(result).not.toBe(thrown)
    expect(Object.getPrototypeOf(result)).toBe(AuthRetryExhaustedError.prototype)
    expect(result).toBeInstanceOf(SecretClientError)
    expect(result).toMatchObject({
      name: 'AuthRetryExhaustedError',
      code: 'AUTH_RETRY_EXHAUSTED',
      ...DETAILS,
    })
    expect(result.cause).toBe(thrown)
    expect(result.message).toBe(
      'secret "db/app": the database rejected its credentials 4 time(s) in 1234 ms',
    )
  })

  it('wraps an object whose defineProperty trap throws', () => {
    const hostile = new Proxy(new DriverError('proxy'), {
      defineProperty() {
        throw new Error('no')
      },
    })
    const result = markAuthRetryExhausted(hostile, DETAILS)
    expect(result).toBeInstanceOf(AuthRetryExhaustedError)
    expect(result.cause).toBe(hostile)
    expect(isSecretClientError(hostile, 'AUTH_RETRY_EXHAUSTED')).toBe(false)
  })
})

describe('AuthRetryExhaustedError', () => {
  it('is a SecretClientError with code AUTH_RETRY_EXHAUSTED and the details', () => {
    const cause = new DriverError('denied')
    const error = new AuthRetryExhaustedError({ ...DETAILS, cause })
    expect(error).toBeInstanceOf(SecretClientError)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'AuthRetryExhaustedError', code: 'AUTH_RETRY_EXHAUSTED' })
    expect(error).toMatchObject(DETAILS)
    expect(error.cause).toBe(cause)
    expect(error.retryable).toBe(false)
    expect(isSecretClientError(error)).toBe(true)
    expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(isSecretClientError(error, 'ABORTED')).toBe(false)
  })
})

describe('instanceof AuthRetryExhaustedError', () => {
  it('holds for real instances and for marked driver errors', () => {
    expect(new AuthRetryExhaustedError({ ...DETAILS, cause: 'x' })).toBeInstanceOf(
      AuthRetryExhaustedError,
    )
    const marked = markAuthRetryExhausted(new DriverError('denied'), DETAILS)
    expect(marked instanceof AuthRetryExhaustedError).toBe(true)
    // …without pretending to be a SecretClientError.
    expect(marked instanceof SecretClientError).toBe(false)
  })

  it.each([
    ['an unmarked driver error', new DriverError('denied')],
    ['a plain Error', new Error('x')],
    ['another SecretClientError', new SecretClientError('ABORTED', 'aborted')],
    ['a plain object', { code: 'AUTH_RETRY_EXHAUSTED' }],
    [
      'an object with a non-true mark',
      { [Symbol.for('@org/secret-client.authRetryExhausted')]: 1 },
    ],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'AUTH_RETRY_EXHAUSTED'],
  ])('is false for %s', (_label, value) => {
    expect(value instanceof AuthRetryExhaustedError).toBe(false)
    expect(isSecretClientError(value, 'AUTH_RETRY_EXHAUSTED')).toBe(false)
  })

  it('a subclass matches its own instances only, not marked errors', () => {
    class PoolRetryExhausted extends AuthRetryExhaustedError {}
    const own = new PoolRetryExhausted({ ...DETAILS, cause: 'x' })
    const marked = markAuthRetryExhausted(new DriverError('denied'), DETAILS)
    expect(own instanceof PoolRetryExhausted).toBe(true)
    expect(own instanceof AuthRetryExhaustedError).toBe(true)
    expect(marked instanceof PoolRetryExhausted).toBe(false)
    expect(
      new AuthRetryExhaustedError({ ...DETAILS, cause: 'x' }) instanceof PoolRetryExhausted,
    ).toBe(false)
  })
})

describe('isSecretClientError with marked errors', () => {
  it('without a code, a marked driver error is not a SecretClientError', () => {
    const marked = markAuthRetryExhausted(new DriverError('denied'), DETAILS)
    expect(isSecretClientError(marked)).toBe(false)
    expect(isSecretClientError(marked, 'INVALID_CONFIG')).toBe(false)
  })

  it("with 'AUTH_RETRY_EXHAUSTED' it is recognised", () => {
    const marked = markAuthRetryExhausted(new DriverError('denied'), DETAILS)
    expect(isSecretClientError(marked, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
  })
})

describe('the marker is shared across copies of the package', () => {
  it('a hand-set Symbol.for marker (another module copy) is recognised', () => {
    const fromOtherCopy = new DriverError('denied')
    Object.defineProperty(fromOtherCopy, Symbol.for('@org/secret-client.authRetryExhausted'), {
      value: true,
    })
    expect(fromOtherCopy instanceof AuthRetryExhaustedError).toBe(true)
    expect(isSecretClientError(fromOtherCopy, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(isSecretClientError(fromOtherCopy)).toBe(false)
  })

  it('marking sets that very Symbol.for property', () => {
    const marked = markAuthRetryExhausted(new DriverError('denied'), DETAILS) as unknown as Record<
      symbol,
      unknown
    >
    expect(marked[Symbol.for('@org/secret-client.authRetryExhausted')]).toBe(true)
  })

  it('a private (non-registered) symbol of the same description is not the marker', () => {
    const impostor = new DriverError('denied')
    Object.defineProperty(impostor, Symbol('@org/secret-client.authRetryExhausted'), {
      value: true,
    })
    expect(impostor instanceof AuthRetryExhaustedError).toBe(false)
  })
})
