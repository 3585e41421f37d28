import { createHmac, randomUUID } from 'node:crypto'
import type { KmsEmulator } from '../../src/index.js'

function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/** Options of {@link signedRequest}; each lets a test break one part of the signature. */
export interface SignedRequestOptions {
  action: string
  params?: Record<string, string>
  accessKeyId?: string
  accessKeySecret?: string
  timestamp?: string
  nonce?: string
  /** Replaces the computed signature. */
  signature?: string
  method?: 'GET' | 'POST'
  /** Send the parameters as a form body instead of the query string. */
  asForm?: boolean
  version?: string
}

/**
 * Sends an RPC v1-signed request with fetch (independent of the SDK) and returns the raw HTTP
 * status and JSON body.
 */
export async function signedRequest(
  emulator: KmsEmulator,
  options: SignedRequestOptions,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const method = options.method ?? 'POST'
  const params: Record<string, string> = {
    Action: options.action,
    Format: 'json',
    Version: options.version ?? '2016-01-20',
    Timestamp: options.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureNonce: options.nonce ?? randomUUID(),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: options.accessKeyId ?? emulator.accessKeyId,
    ...options.params,
  }
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k] as string)}`)
    .join('&')
  const stringToSign = `${method}&%2F&${encode(canonical)}`
  params.Signature =
    options.signature ??
    createHmac('sha1', `${options.accessKeySecret ?? emulator.accessKeySecret}&`)
      .update(stringToSign)
      .digest('base64')
  const encoded = new URLSearchParams(params).toString()
  const response = options.asForm
    ? await fetch(`${emulator.endpoint}/`, {
        method,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encoded,
      })
    : await fetch(`${emulator.endpoint}/?${encoded}`, { method })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
