import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { classifyError } from '../../src/classify-error.js'
import { SecretClientError } from '../../src/errors.js'
import { createKmsFetcher } from '../../src/kms/create-kms-fetcher.js'
import { MAX_RESPONSE_BYTES } from '../../src/kms/request-tracker.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, errorBody, secretBody } from './_kms-fixtures.js'

// The built-in client (the official openapi-client over a real socket) against a real local HTTP
// server answering the way KMS, or something in front of it, can: retry hints in headers that the
// SDK's errors do not carry, bodies far too large, and responses that are not what was asked.

const credential = { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET }
const request = { secretName: 'db/orders', versionStage: 'ACSCurrent' }

let server: Server | undefined
const sockets = new Set<Socket>()
const arrivals: number[] = []

async function serve(
  handler: (res: ServerResponse, req: IncomingMessage) => void,
): Promise<string> {
  server = createServer((req, res) => {
    arrivals.push(Date.now())
    req.resume()
    req.on('end', () => handler(res, req))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

async function rejection(promise: Promise<unknown>): Promise<SecretClientError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  return classifyError(err)
}

afterEach(async () => {
  arrivals.length = 0
  for (const socket of sockets) socket.destroy()
  if (server) await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

describe('retry hints in response headers reach the error', () => {
  it.each([
    [{ 'x-acs-retry-after': '3000' }, 3000],
    [{ 'retry-after': '2' }, 2000],
  ])('%j → retryAfterMs %i', async (headers, expected) => {
    const endpoint = await serve((res) => json(res, 429, errorBody('Rejected.Throttling'), headers))
    const fetcher = createKmsFetcher({ endpoint, credential })
    try {
      const err = await rejection(fetcher.fetchSecret(request))
      expect(err.code).toBe('THROTTLED')
      expect(err.retryAfterMs).toBe(expected)
    } finally {
      fetcher.close?.()
    }
  })

  it('an HTTP-date Retry-After is measured against now', async () => {
    const date = new Date(Date.now() + 5000).toUTCString()
    const endpoint = await serve((res) =>
      json(res, 503, errorBody('ServiceUnavailableTemporary'), { 'retry-after': date }),
    )
    const fetcher = createKmsFetcher({ endpoint, credential })
    try {
      const err = await rejection(fetcher.fetchSecret(request))
      expect(err.retryAfterMs).toBeGreaterThan(3000)
      expect(err.retryAfterMs).toBeLessThanOrEqual(5000)
    } finally {
      fetcher.close?.()
    }
  })

  it('through the cache: the hint is a floor of the next retry', async () => {
    let calls = 0
    const endpoint = await serve((res) => {
      calls++
      if (calls === 1)
        json(res, 429, errorBody('Rejected.Throttling'), { 'x-acs-retry-after': '400' })
      else json(res, 200, secretBody())
    })
    const client = new SecretCacheClient({
      endpoint,
      credential,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5000 },
    })
    try {
      expect((await client.getSecretInfo('db/orders')).versionId).toBe('v-0002')
      expect(arrivals).toHaveLength(2)
      expect((arrivals[1] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(390)
    } finally {
      await client.close()
    }
  })

  it('through the cache: a hint above retry.maxDelayMs ends the retries with retryAfterMs', async () => {
    const endpoint = await serve((res) =>
      json(res, 429, errorBody('Rejected.Throttling'), { 'x-acs-retry-after': '60000' }),
    )
    const client = new SecretCacheClient({
      endpoint,
      credential,
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1000 },
    })
    try {
      const err = await client.getSecretInfo('db/orders').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(SecretClientError)
      expect((err as SecretClientError).code).toBe('THROTTLED')
      expect((err as SecretClientError).retryAfterMs).toBe(60_000)
      expect(arrivals).toHaveLength(1)
    } finally {
      await client.close()
    }
  })
})

describe('a response body larger than KMS ever sends is cut off', () => {
  const huge = 'x'.repeat(MAX_RESPONSE_BYTES + 1024)

  it.each([
    ['with a content-length', true],
    ['chunked', false],
  ])('%s → KMS_ERROR, not retried, the connection closed', async (_label, withLength) => {
    const endpoint = await serve((res) => {
      const body = JSON.stringify(secretBody({ SecretData: huge }))
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(withLength ? { 'content-length': Buffer.byteLength(body) } : {}),
      })
      // In pieces, as a proxy streaming a large page would.
      for (let i = 0; i < body.length; i += 64 * 1024) res.write(body.slice(i, i + 64 * 1024))
      res.end()
    })
    const fetcher = createKmsFetcher({ endpoint, credential })
    try {
      const err = await rejection(fetcher.fetchSecret(request))
      expect(err.code).toBe('KMS_ERROR')
      expect(err.retryable).toBe(false)
      expect(err.message).toContain(`more than ${MAX_RESPONSE_BYTES} bytes`)
      expect(inspect(err)).not.toContain('xxxxxxxx')
      for (let i = 0; i < 100 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10))
      expect(sockets.size).toBe(0)
    } finally {
      fetcher.close?.()
    }
  })

  it('a large but plausible secret (64 KB) is read', async () => {
    const value = 'v'.repeat(64 * 1024)
    const endpoint = await serve((res) => json(res, 200, secretBody({ SecretData: value })))
    const fetcher = createKmsFetcher({ endpoint, credential })
    try {
      expect((await fetcher.fetchSecret(request)).secretValue).toBe(value)
    } finally {
      fetcher.close?.()
    }
  })
})

describe('a response that is not the secret asked for is refused', () => {
  it.each([
    ['a VersionId that is a number', { VersionId: 42 }, 'VersionId is not a string'],
    ['a VersionId that is an object', { VersionId: { id: 'v1' } }, 'VersionId is not a string'],
    ['another SecretName', { SecretName: 'db/billing' }, 'it names another secret'],
    [
      'binary data that is not base64',
      { SecretDataType: 'binary', SecretData: 'not base64!' },
      'binary SecretData is not base64',
    ],
  ])('%s → KMS_ERROR naming the problem, not the value', async (_label, overrides, problem) => {
    const endpoint = await serve((res) => json(res, 200, secretBody(overrides)))
    const fetcher = createKmsFetcher({ endpoint, credential })
    try {
      const err = await rejection(fetcher.fetchSecret(request))
      expect(err.code).toBe('KMS_ERROR')
      expect(err.message).toContain(problem)
      expect(inspect(err, { depth: 10 })).not.toContain('s3cr3t-P4ss')
    } finally {
      fetcher.close?.()
    }
  })

  it('binary base64 data, and the name of a secret read by its ARN, are accepted', async () => {
    const endpoint = await serve((res) =>
      json(res, 200, secretBody({ SecretDataType: 'binary', SecretData: 'AAECAw==' })),
    )
    const fetcher = createKmsFetcher({ endpoint, credential })
    try {
      const arn = 'acs:kms:cn-hangzhou:1234567890123456:secret/db/orders'
      const record = await fetcher.fetchSecret({ ...request, secretName: arn })
      expect(record.secretName).toBe('db/orders')
      expect(record.secretValue).toBe('AAECAw==')
    } finally {
      fetcher.close?.()
    }
  })
})
