import { createHash, createHmac } from 'node:crypto'
import { percentEncode } from '../internal/percent-encode.js'
import type { IncomingApiRequest } from './incoming-request.js'

/** The parts of an `Authorization: ACS3-HMAC-SHA256 …` header. */
export interface Acs3Authorization {
  accessKeyId: string
  signedHeaders: string[]
  signature: string
}

/** Parses the header; undefined when it is not a complete ACS3-HMAC-SHA256 authorization. */
export function parseAcs3Authorization(header: string): Acs3Authorization | undefined {
  const match = /^ACS3-HMAC-SHA256\s+(.*)$/.exec(header.trim())
  if (!match) return undefined
  const fields = new Map<string, string>()
  for (const part of (match[1] as string).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const accessKeyId = fields.get('Credential')
  const signedHeaders = fields.get('SignedHeaders')
  const signature = fields.get('Signature')
  if (!accessKeyId || !signedHeaders || !signature) return undefined
  return { accessKeyId, signedHeaders: signedHeaders.split(';'), signature }
}

/** Hex SHA-256, as `x-acs-content-sha256` carries it. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * Computes the ACS3-HMAC-SHA256 signature openapi-client sends: canonical request
 * `METHOD\n/path\nsorted query (values encoded)\nsigned headers\nheader names\npayload hash`,
 * string to sign `ACS3-HMAC-SHA256\n` + hex(sha256(canonical)), hex(HMAC-SHA256(secret, sts)).
 */
export function computeAcs3Signature(
  request: IncomingApiRequest,
  auth: Acs3Authorization,
  accessKeySecret: string,
): string {
  const query = Object.keys(request.query)
    .sort()
    .map((k) => `${k}=${percentEncode(request.query[k] as string)}`)
    .join('&')
  const headerLines = auth.signedHeaders
    .map((name) => {
      const raw = request.headers[name]
      const value = Array.isArray(raw)
        ? raw
            .map((v) => v.trim())
            .sort()
            .join(',')
        : (raw ?? '')
      return `${name}:${value.trim()}\n`
    })
    .join('')
  const payloadHash = String(request.headers['x-acs-content-sha256'] ?? '')
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.pathname,
    query,
    headerLines,
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n')
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`
  return createHmac('sha256', accessKeySecret).update(stringToSign).digest('hex')
}
