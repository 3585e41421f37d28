import { createHash, createHmac } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** Static test credentials; the secret must never show up in an error or log. */
export const ACCESS_KEY_ID = 'LTAI5tTestAccessKeyId'
export const ACCESS_KEY_SECRET = 'TestSecretThatMustNeverLeak42'

/** A real KMS GetSecretValue response body with every field. */
export function secretBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SecretName: 'db/orders',
    VersionId: 'v-0002',
    SecretData: '{"AccountName":"orders","AccountPassword":"s3cr3t-P4ss"}',
    SecretDataType: 'text',
    VersionStages: { VersionStage: ['ACSCurrent'] },
    SecretType: 'Rds',
    ExtendedConfig:
      '{"SecretSubType":"SingleUser","DBInstanceId":"rm-bp1abc","CustomData":{"env":"prod"}}',
    AutomaticRotation: 'Enabled',
    RotationInterval: '604800s',
    NextRotationDate: '2026-11-30T08:00:00Z',
    LastRotationDate: '2026-11-23T08:00:00Z',
    CreateTime: '2026-11-23T08:00:01Z',
    RequestId: 'req-ok-1',
    ...overrides,
  }
}

/** A KMS error body as the gateway sends it. */
export function errorBody(code: string, requestId = `req-${code}`): Record<string, unknown> {
  return {
    Code: code,
    Message: `test message for ${code}`,
    RequestId: requestId,
    HostId: 'kms.cn-hangzhou.aliyuncs.com',
    Recommend: `https://next.api.aliyun.com/troubleshoot?q=${code}`,
  }
}

/** RFC 3986 percent-encoding as Alibaba Cloud signatures use it. */
function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name]
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim()
}

/**
 * Recomputes an ACS3-HMAC-SHA256 signature from the request as the server received it (written
 * from the published algorithm, not from the SDK) and tells whether it matches.
 */
export function acs3SignatureValid(
  method: string,
  query: Record<string, string>,
  headers: IncomingHttpHeaders,
  secret: string,
): boolean {
  const auth = headerValue(headers, 'authorization')
  const match =
    /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      auth,
    )
  if (!match) return false
  const signedHeaders = match[2]!.split(';')
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(query[key] ?? '')}`)
    .join('&')
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${headerValue(headers, name)}\n`)
    .join('')
  const canonical = [
    method,
    '/',
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    headerValue(headers, 'x-acs-content-sha256'),
  ].join('\n')
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`
  const expected = createHmac('sha256', secret).update(stringToSign).digest('hex')
  return expected === match[3]
}

/** Recomputes an RPC signature v1 (HMAC-SHA1, what the 1.x SDK sends) from the query. */
export function rpcV1SignatureValid(
  method: string,
  query: Record<string, string>,
  secret: string,
): boolean {
  const { Signature, ...params } = query
  const canonical = Object.keys(params)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
    .join('&')
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`
  const expected = createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64')
  return expected === Signature
}

/** Query string of a request path as a plain object. */
export function queryOf(path: string): Record<string, string> {
  const url = new URL(path, 'http://x')
  return Object.fromEntries(url.searchParams.entries())
}
