import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'

let emulator: KmsEmulator

beforeAll(async () => {
  emulator = await startKmsEmulator({ schedulerIntervalMs: 0 })
})

afterAll(async () => {
  await emulator.close()
})

/** A raw HTTP/1.1 request (no fetch defaults), so every header is the test's choice. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emulator.port,
        method,
        path,
        headers: {
          ...headers,
          ...(body !== undefined ? { 'content-length': `${Buffer.byteLength(body)}` } : {}),
        },
        setHost: false,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const host = () => `127.0.0.1:${emulator.port}`
const admin = { 'x-kms-emulator-admin': '1' }
const faultBody = JSON.stringify({ action: 'ListSecrets', error: 'InternalFailure' })

describe('admin endpoint: only local tools, not web pages', () => {
  it('answers a request with the admin header and a loopback Host', async () => {
    for (const h of [host(), `localhost:${emulator.port}`, `[::1]:${emulator.port}`]) {
      const res = await raw('GET', '/__emulator/health', { host: h, ...admin })
      expect(res.status, h).toBe(200)
      expect(res.body.endpoint).toBe(emulator.endpoint)
    }
  })

  it('refuses a request without the X-Kms-Emulator-Admin: 1 header', async () => {
    const variants: Array<Record<string, string>> = [
      { host: host() },
      { host: host(), 'x-kms-emulator-admin': 'yes' },
    ]
    for (const headers of variants) {
      const res = await raw('GET', '/__emulator/audit', headers)
      expect(res.status).toBe(403)
      expect(res.body.Code).toBe('Forbidden.NoPermission')
      expect(String(res.body.Message)).toContain('X-Kms-Emulator-Admin')
    }
  })

  it.each(['evil.example:%PORT%', '127.0.0.1', '127.0.0.1:1', 'localhost.evil.example:%PORT%', ''])(
    'refuses Host %s (DNS rebinding, wrong port)',
    async (h) => {
      const res = await raw('GET', '/__emulator/health', {
        host: h.replace('%PORT%', String(emulator.port)),
        ...admin,
      })
      expect(res.status).toBe(403)
      expect(res.body.Code).toBe('Forbidden.NoPermission')
    },
  )

  it('never answers a CORS preflight positively', async () => {
    const res = await raw('OPTIONS', '/__emulator/faults', {
      host: host(),
      origin: 'http://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-kms-emulator-admin',
    })
    expect(res.status).toBe(403)
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
  })

  it.each([
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ])('refuses a %s body, even with the header; nothing is injected', async (type) => {
    const res = await raw(
      'POST',
      '/__emulator/faults',
      { host: host(), ...admin, 'content-type': type },
      faultBody,
    )
    expect(res.status).toBe(415)
    expect(res.body.Code).toBe('UnsupportedMediaType')
    expect(emulator.faults.list()).toEqual([])
  })

  it('refuses a body without a content type', async () => {
    const res = await raw('POST', '/__emulator/faults', { host: host(), ...admin }, faultBody)
    expect(res.status).toBe(415)
    expect(emulator.faults.list()).toEqual([])
  })

  it('accepts an application/json body', async () => {
    const res = await raw(
      'POST',
      '/__emulator/faults',
      { host: host(), ...admin, 'content-type': 'application/json' },
      faultBody,
    )
    expect(res.status).toBe(200)
    expect(emulator.faults.list()).toHaveLength(1)
    emulator.faults.clear()
  })

  it('a fault action that is not a known operation is INVALID_OPTIONS (400)', async () => {
    const res = await raw(
      'POST',
      '/__emulator/faults',
      { host: host(), ...admin, 'content-type': 'application/json' },
      JSON.stringify({ action: 'GetSecretValu', error: 'InternalFailure' }),
    )
    expect(res.status).toBe(400)
    expect(res.body.Code).toBe('INVALID_OPTIONS')
    expect(String(res.body.Message)).toContain('GetSecretValue')
    expect(emulator.faults.list()).toEqual([])
  })
})
