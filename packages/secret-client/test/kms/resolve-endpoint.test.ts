import { describe, expect, it } from 'vitest'
import { SecretClientError } from '../../src/errors.js'
import { resolveEndpoint } from '../../src/kms/resolve-endpoint.js'

describe('resolveEndpoint', () => {
  it.each([
    [undefined, false, { protocol: 'HTTPS', host: 'kms.cn-hangzhou.aliyuncs.com' }],
    [undefined, true, { protocol: 'HTTPS', host: 'kms-vpc.cn-hangzhou.aliyuncs.com' }],
    [
      'kms.cn-shanghai.aliyuncs.com',
      false,
      { protocol: 'HTTPS', host: 'kms.cn-shanghai.aliyuncs.com' },
    ],
    [
      'kst-hzz1.cryptoservice.kms.aliyuncs.com',
      true,
      { protocol: 'HTTPS', host: 'kst-hzz1.cryptoservice.kms.aliyuncs.com' },
    ],
    ['http://127.0.0.1:4000', false, { protocol: 'HTTP', host: '127.0.0.1:4000' }],
    ['http://127.0.0.1:4000/', false, { protocol: 'HTTP', host: '127.0.0.1:4000' }],
    ['HTTPS://Kms.Example.com:8443', false, { protocol: 'HTTPS', host: 'kms.example.com:8443' }],
    ['127.0.0.1:4000', false, { protocol: 'HTTPS', host: '127.0.0.1:4000' }],
  ])('%s (vpc %s) → %o', (endpoint, vpc, expected) => {
    expect(resolveEndpoint(endpoint, 'cn-hangzhou', vpc, 'endpoint')).toEqual(expected)
  })

  it.each([
    '',
    '   ',
    'http://',
    'ftp://kms.test',
    'http://kms.test/path',
    'http://kms.test/?a=1',
    'http://user:pw@kms.test',
    'kms.test/path',
    'kms test',
    42,
  ])('%o → INVALID_CONFIG naming the option', (endpoint) => {
    let thrown: unknown
    try {
      resolveEndpoint(endpoint, 'cn-hangzhou', false, 'regions[2].endpoint')
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(SecretClientError)
    expect(thrown).toMatchObject({ code: 'INVALID_CONFIG' })
    expect((thrown as Error).message).toMatch(/^regions\[2\]\.endpoint /)
    expect((thrown as Error).message).not.toContain('pw')
  })
})
