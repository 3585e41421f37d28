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
])
const TIMEOUT_NAMES = new Set(['TimeoutError', 'ReadTimeoutError', 'ConnectTimeoutError'])
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EPROTO',
  'UND_ERR_SOCKET',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
])

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

function field(err: object, key: string): unknown {
  return (err as Record<string, unknown>)[key]
}

function retryAfterOf(err: object): number | undefined {
  const direct = field(err, 'retryAfter') ?? field(err, 'retryAfterMs')
  if (typeof direct === 'number' && Number.isFinite(direct) && direct >= 0) return direct
  const data = field(err, 'data')
  const headers =
    data && typeof data === 'object'
      ? (field(data, 'headers') as Record<string, unknown>)
      : undefined
  const header = headers?.['x-acs-retry-after'] ?? headers?.['retry-after']
  if (typeof header === 'string' || typeof header === 'number') {
    const value = Number(header)
    // x-acs-retry-after is in milliseconds; Retry-After in seconds. Small numbers are seconds.
    if (Number.isFinite(value) && value >= 0) return value < 1000 ? value * 1000 : value
  }
  return undefined
}

/**
 * Turns anything a {@link SecretFetcher} throws into a {@link SecretClientError}: by the KMS code
 * (with or without the 1.x `Error` suffix), the Node network code or the error name — never by the
 * message. A {@link SecretClientError} passes through with its secret name filled in.
 *
 * The new error's message names the secret and the code only; the original is kept as `cause`.
 */
export function classifyError(err: unknown, secretName?: string): SecretClientError {
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
  const code = typeof rawCode === 'string' ? rawCode : undefined
  if (name === 'AbortError' || code === 'ABORT_ERR') {
    return new SecretClientError('ABORTED', `${subject}: aborted`, { cause: err, secretName })
  }
  if ((code && TIMEOUT_CODES.has(code)) || (typeof name === 'string' && TIMEOUT_NAMES.has(name))) {
    return new SecretClientError('TIMEOUT', `${subject}: KMS request timed out`, {
      cause: err,
      secretName,
    })
  }
  if (code && NETWORK_CODES.has(code)) {
    return new SecretClientError('KMS_UNAVAILABLE', `${subject}: network error ${code}`, {
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
    const clientCode = kmsCodeToClientCode(kmsCode)
    return new SecretClientError(clientCode, `${subject}: KMS error ${kmsCode}`, {
      cause: err,
      secretName,
      kmsCode,
      requestId,
      statusCode,
      retryAfterMs: retryAfterOf(err),
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
