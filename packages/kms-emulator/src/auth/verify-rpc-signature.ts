import { createHmac } from 'node:crypto'
import { percentEncode } from '../internal/percent-encode.js'
import type { IncomingApiRequest } from './incoming-request.js'

/**
 * Computes the RPC signature v1 (HMAC-SHA1) the 1.x SDK sends: string to sign
 * `METHOD&%2F&` + percentEncode(sorted `k=v` of every parameter but `Signature`), key
 * `secret + "&"`, base64.
 */
export function computeRpcSignature(request: IncomingApiRequest, accessKeySecret: string): string {
  const params: Record<string, string> = { ...request.query, ...request.form }
  delete params.Signature
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k] as string)}`)
    .join('&')
  const stringToSign = `${request.method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64')
}
