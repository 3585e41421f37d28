import { SecretClientError, type SecretClientErrorCode } from './errors.js'

/** KMS codes that a later attempt may get past. */
const THROTTLING = new Set([
  'Rejected.Throttling',
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
])
const UNAVAILABLE = new Set([
  'ServiceUnavailableTemporary',
  'InternalFailure',
  'ServiceUnavailable',
])
const NOT_FOUND = new Set([
  'Forbidden.ResourceNotFound',
  'Rejected.ResourceInDeleteWindow',
  'Rejected.PendingDeletion',
])
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
])
const TIMEOUT_NAMES = new Set(['TimeoutError', 'ReadTimeoutError', 'ConnectTimeoutError'])
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EPROTO',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
])
/**
 * Node system errors (`ENETDOWN`, `EADDRNOTAVAIL`, …) carry `syscall` or a numeric `errno`; KMS codes
 * never look like `E` + capitals. Any such error from a request is a network failure.
 */
const SYSTEM_CODE = /^E[A-Z0-9_]+$/
/**
 * Certificate verification failures (OpenSSL's codes, as Node reports them) and Node's own TLS
 * errors: the endpoint or `ca` is wrong, which neither a retry nor another attempt fixes.
 */
const TLS_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
])

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')
}

function isSystemError(err: object, code: string): boolean {
  return (
    SYSTEM_CODE.test(code) &&
    (typeof field(err, 'syscall') === 'string' || typeof field(err, 'errno') === 'number')
  )
}

/** Strips the 1.x SDK's `Error` suffix: `Rejected.ThrottlingError` → `Rejected.Throttling`. */
export function normalizeKmsCode(code: string): string {
  return code.endsWith('Error') && code.length > 5 ? code.slice(0, -5) : code
}

function kmsCodeToClientCode(kmsCode: string): SecretClientErrorCode {
  if (THROTTLING.has(kmsCode)) return 'THROTTLED'
  if (UNAVAILABLE.has(kmsCode)) return 'KMS_UNAVAILABLE'
  if (NOT_FOUND.has(kmsCode)) return 'SECRET_NOT_FOUND'
  if (
    kmsCode.startsWith('Forbidden.') ||
    kmsCode.startsWith('InvalidAccessKeyId') ||
    kmsCode === 'IncompleteSignature' ||
    kmsCode === 'SignatureDoesNotMatch' ||
    kmsCode === 'InvalidSecurityToken.Expired' ||
    kmsCode === 'InvalidSecurityToken.Malformed' ||
    kmsCode === 'InvalidSecurityToken.MismatchWithAccessKey'
  ) {
    return 'ACCESS_DENIED'
  }
  return 'KMS_ERROR'
}

/** What the SDK makes of a missing `Code` in an error body. */
const ABSENT_CODES = new Set(['undefined', 'null', ''])

/** An unknown code's class from the HTTP status: 429 throttled, 5xx unavailable. */
function byStatus(
  clientCode: SecretClientErrorCode,
  statusCode: number | undefined,
): SecretClientErrorCode {
  if (clientCode !== 'KMS_ERROR' || statusCode === undefined) return clientCode
  if (statusCode === 429) return 'THROTTLED'
  return statusCode >= 500 ? 'KMS_UNAVAILABLE' : clientCode
}

function field(err: object, key: string): unknown {
  return (err as Record<string, unknown>)[key]
}

function headerNumber(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  if (typeof value === 'string' && value.trim() === '') return undefined
  const number = Number(value)
  return Number.isFinite(number) && number >= 0 ? number : undefined
}

/**
 * The server's retry hint in milliseconds: a `retryAfter`/`retryAfterMs` field (ms), the
 * `x-acs-retry-after` header (always milliseconds) or the standard `Retry-After` header (seconds,
 * or an HTTP date).
 */
export function retryAfterOf(err: object, now: number = Date.now()): number | undefined {
  const hint = rawRetryAfter(err, now)
  // A hint of years (or 1e305 seconds, which is Infinity in ms) is capped at a day: it ends the
  // retries all the same, and no timer is armed with it.
  return hint === undefined ? undefined : Math.min(hint, MAX_RETRY_AFTER_MS)
}

/** The longest server retry hint taken as is. */
const MAX_RETRY_AFTER_MS = 86_400_000

function rawRetryAfter(err: object, now: number): number | undefined {
  const direct = field(err, 'retryAfter') ?? field(err, 'retryAfterMs')
  if (typeof direct === 'number' && Number.isFinite(direct) && direct >= 0) return direct
  const data = field(err, 'data')
  const headers =
    data && typeof data === 'object'
      ? (field(data, 'headers') as Record<string, unknown> | undefined)
      : undefined
  if (headers === null || typeof headers !== 'object') return undefined
  const acs = headerNumber(headers['x-acs-retry-after'])
  if (acs !== undefined) return acs
  const standard = headers['retry-after']
  const seconds = headerNumber(standard)
  if (seconds !== undefined) return seconds * 1000
  if (typeof standard === 'string') {
    const date = Date.parse(standard)
    if (Number.isFinite(date)) return Math.max(0, date - now)
  }
  return undefined
}

/**
 * Turns anything a {@link SecretFetcher} throws into a {@link SecretClientError}: by the KMS code
 * (with or without the 1.x `Error` suffix), the Node network code or the error name — never by the
 * message. A {@link SecretClientError} passes through with its secret name filled in.
 *
 * - Timeouts (`ETIMEDOUT`, undici's `UND_ERR_*_TIMEOUT`, `ERR_TLS_HANDSHAKE_TIMEOUT`, a
 *   `TimeoutError`) → `TIMEOUT`; network codes and any Node system error (`E*` code with `syscall`
 *   or `errno`) → `KMS_UNAVAILABLE`; both retryable, with no `kmsCode`.
 * - Certificate and TLS errors → `KMS_ERROR` without `kmsCode`, not retryable (a set-up problem).
 *
 * The new error's message names the secret and the code only; the original is kept as `cause`.
 *
 * @param now - epoch-ms clock an HTTP-date `Retry-After` is measured against (the cache passes its
 *   `now` option)
 */
export function classifyError(
  err: unknown,
  secretName?: string,
  now: () => number = Date.now,
): SecretClientError {
  if (err instanceof SecretClientError) {
    if (err.secretName !== undefined || secretName === undefined) return err
    return new SecretClientError(err.code, err.message, {
      cause: err.cause,
      secretName,
      kmsCode: err.kmsCode,
      requestId: err.requestId,
      statusCode: err.statusCode,
      retryAfterMs: err.retryAfterMs,
    })
  }
  const subject = secretName === undefined ? 'KMS request' : `secret "${secretName}"`
  if (err === null || typeof err !== 'object') {
    return new SecretClientError('KMS_ERROR', `${subject}: fetch failed`, {
      cause: err,
      secretName,
    })
  }
  const name = field(err, 'name')
  const rawCode = field(err, 'code')
  // The SDK writes a body without `Code` (a gateway's `{"message":"Service Unavailable"}`) as the
  // string "undefined": no code at all, so the HTTP status decides.
  const code = typeof rawCode === 'string' && !ABSENT_CODES.has(rawCode) ? rawCode : undefined
  if (name === 'AbortError' || code === 'ABORT_ERR') {
    return new SecretClientError('ABORTED', `${subject}: aborted`, { cause: err, secretName })
  }
  if ((code && TIMEOUT_CODES.has(code)) || (typeof name === 'string' && TIMEOUT_NAMES.has(name))) {
    return new SecretClientError('TIMEOUT', `${subject}: KMS request timed out`, {
      cause: err,
      secretName,
    })
  }
  if (code && (NETWORK_CODES.has(code) || isSystemError(err, code))) {
    return new SecretClientError('KMS_UNAVAILABLE', `${subject}: network error ${code}`, {
      cause: err,
      secretName,
    })
  }
  if (code && isTlsCode(code)) {
    return new SecretClientError('KMS_ERROR', `${subject}: TLS error ${code}`, {
      cause: err,
      secretName,
    })
  }
  const rawStatus = field(err, 'statusCode')
  const statusCode = typeof rawStatus === 'number' ? rawStatus : undefined
  const data = field(err, 'data')
  const rawRequestId =
    field(err, 'requestId') ??
    (data && typeof data === 'object'
      ? (field(data, 'RequestId') ?? field(data, 'requestId'))
      : undefined)
  const requestId = typeof rawRequestId === 'string' ? rawRequestId : undefined
  if (code) {
    const kmsCode = normalizeKmsCode(code)
    // A code KMS does not document, with a status that says "later" (something in front of KMS,
    // or a new KMS code): transient by its status.
    const clientCode = byStatus(kmsCodeToClientCode(kmsCode), statusCode)
    return new SecretClientError(clientCode, `${subject}: KMS error ${kmsCode}`, {
      cause: err,
      secretName,
      kmsCode,
      requestId,
      statusCode,
      retryAfterMs: retryAfterOf(err, now()),
    })
  }
  if (statusCode === 429) {
    return new SecretClientError('THROTTLED', `${subject}: HTTP 429`, {
      cause: err,
      secretName,
      statusCode,
    })
  }
  if (statusCode !== undefined && statusCode >= 500) {
    return new SecretClientError('KMS_UNAVAILABLE', `${subject}: HTTP ${statusCode}`, {
      cause: err,
      secretName,
      statusCode,
    })
  }
  return new SecretClientError('KMS_ERROR', `${subject}: fetch failed`, {
    cause: err,
    secretName,
    statusCode,
  })
}
