import { describe, expect, it } from 'vitest'
import { classifyError, retryAfterOf } from '../src/classify-error.js'

function nodeError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code, ...extra })
}

describe('classifyError: Node and TLS codes', () => {
  it.each([
    ['ENETDOWN', {}],
    ['EHOSTDOWN', {}],
    ['ECONNRESET', { syscall: 'read', errno: -104 }],
    ['UND_ERR_CLOSED', {}],
    // Codes nobody listed: a system error is recognised by its syscall/errno.
    ['EADDRNOTAVAIL', { syscall: 'connect', errno: -99 }],
    ['ENOBUFS', { errno: -105 }],
  ])('%s → retryable KMS_UNAVAILABLE without kmsCode', (code, extra) => {
    const err = classifyError(nodeError(code, extra), 'db')
    expect(err).toMatchObject({ code: 'KMS_UNAVAILABLE', kmsCode: undefined, retryable: true })
    expect(err.message).toContain(code)
  })

  it.each([
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CONNECT_TIMEOUT',
    'ERR_TLS_HANDSHAKE_TIMEOUT',
    'ETIMEDOUT',
  ])('%s → retryable TIMEOUT', (code) => {
    expect(classifyError(nodeError(code), 'db')).toMatchObject({
      code: 'TIMEOUT',
      kmsCode: undefined,
      retryable: true,
    })
  })

  it.each([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
  ])('%s → KMS_ERROR, not retryable, no kmsCode', (code) => {
    const err = classifyError(nodeError(code), 'db')
    expect(err).toMatchObject({ code: 'KMS_ERROR', kmsCode: undefined, retryable: false })
    expect(err.message).toContain('TLS')
  })

  it('an E-prefixed code without syscall or errno is still read as a KMS code', () => {
    expect(classifyError(nodeError('EntityNotExist.Secret'), 'db')).toMatchObject({
      code: 'KMS_ERROR',
      kmsCode: 'EntityNotExist.Secret',
    })
  })
})

describe('retryAfterOf', () => {
  const withHeaders = (headers: Record<string, unknown>): object => ({
    code: 'Rejected.Throttling',
    data: { headers },
  })

  it('an absurd hint (1e305 s, Infinity in ms) is capped at a day — found by the fuzz suite', () => {
    expect(retryAfterOf(withHeaders({ 'retry-after': 1.797693134862316e305 }))).toBe(86_400_000)
    expect(retryAfterOf(withHeaders({ 'x-acs-retry-after': '1e20' }))).toBe(86_400_000)
    expect(retryAfterOf({ retryAfterMs: 1e300 })).toBe(86_400_000)
  })

  it('x-acs-retry-after is always milliseconds, even when small', () => {
    expect(retryAfterOf(withHeaders({ 'x-acs-retry-after': '500' }))).toBe(500)
    expect(retryAfterOf(withHeaders({ 'x-acs-retry-after': 2500 }))).toBe(2500)
  })

  it('Retry-After is seconds, or an HTTP date', () => {
    expect(retryAfterOf(withHeaders({ 'retry-after': '3' }))).toBe(3000)
    expect(retryAfterOf(withHeaders({ 'retry-after': '1500' }))).toBe(1_500_000)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(retryAfterOf(withHeaders({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }), now)).toBe(
      7000,
    )
  })

  it('x-acs-retry-after wins over Retry-After; junk is ignored', () => {
    expect(retryAfterOf(withHeaders({ 'x-acs-retry-after': '200', 'retry-after': '9' }))).toBe(200)
    expect(retryAfterOf(withHeaders({ 'retry-after': 'soon' }))).toBeUndefined()
    expect(retryAfterOf(withHeaders({ 'x-acs-retry-after': '' }))).toBeUndefined()
  })

  it('reaches the classified error', () => {
    const err = Object.assign(new Error('throttled'), {
      code: 'Rejected.Throttling',
      data: { headers: { 'x-acs-retry-after': '800' } },
    })
    expect(classifyError(err, 'db').retryAfterMs).toBe(800)
  })
})
