import { timingSafeEqual } from 'node:crypto'
import { KmsApiError } from '../errors.js'
import type { EmulatorAccessKey } from './access-key.js'
import type { IncomingApiRequest } from './incoming-request.js'
import { computeAcs3Signature, parseAcs3Authorization, sha256Hex } from './verify-acs3-signature.js'
import { computeRpcSignature } from './verify-rpc-signature.js'

/** Allowed distance between a request timestamp and the wall clock, as the service allows. */
export const TIMESTAMP_SKEW_MS = 15 * 60_000

/** Result of a successful authentication. */
export interface AuthenticatedCaller {
  accessKeyId: string
  /** Which signature the caller used. */
  scheme: 'rpc-v1' | 'acs3'
  action: string | undefined
  version: string | undefined
}

function incomplete(message: string): KmsApiError {
  return new KmsApiError('IncompleteSignature', 400, message)
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

/**
 * Verifies RPC v1 and ACS3 signatures, the timestamp window, nonce reuse and STS tokens. Nonces
 * are remembered for twice the timestamp window, after which a replay fails the timestamp check.
 */
export class Authenticator {
  private readonly keys: Map<string, EmulatorAccessKey>
  private readonly nonces = new Map<string, number>()

  constructor(
    keys: readonly EmulatorAccessKey[],
    private readonly wallClock: () => number = Date.now,
  ) {
    this.keys = new Map(keys.map((k) => [k.accessKeyId, k]))
  }

  authenticate(request: IncomingApiRequest): AuthenticatedCaller {
    const authorization = request.headers.authorization
    if (typeof authorization === 'string' && authorization.trim().startsWith('ACS3-')) {
      return this.authenticateAcs3(request, authorization)
    }
    return this.authenticateRpc(request)
  }

  private authenticateRpc(request: IncomingApiRequest): AuthenticatedCaller {
    const p = { ...request.query, ...request.form }
    if (!p.Signature) {
      throw incomplete('The request signature does not conform to Aliyun standards: no Signature.')
    }
    if (!p.AccessKeyId) {
      throw incomplete(
        'The request signature does not conform to Aliyun standards: no AccessKeyId.',
      )
    }
    if (p.SignatureMethod !== 'HMAC-SHA1' || p.SignatureVersion !== '1.0') {
      throw incomplete(
        'The request signature does not conform to Aliyun standards: SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.',
      )
    }
    const key = this.lookup(p.AccessKeyId)
    this.checkTimestamp(p.Timestamp)
    const expected = computeRpcSignature(request, key.accessKeySecret)
    if (!safeEqual(expected, p.Signature)) throw signatureMismatch()
    this.checkToken(key, p.SecurityToken)
    this.checkNonce(key.accessKeyId, p.SignatureNonce)
    return { accessKeyId: key.accessKeyId, scheme: 'rpc-v1', action: p.Action, version: p.Version }
  }

  private authenticateAcs3(request: IncomingApiRequest, header: string): AuthenticatedCaller {
    const auth = parseAcs3Authorization(header)
    if (!auth) {
      throw incomplete(
        'The request signature does not conform to Aliyun standards: bad Authorization.',
      )
    }
    // Unsigned, these could be swapped on a captured request: another action, a replayed date.
    for (const required of [
      'host',
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ]) {
      if (!auth.signedHeaders.includes(required)) {
        throw incomplete(
          `The request signature does not conform to Aliyun standards: ${required} is not signed.`,
        )
      }
    }
    const key = this.lookup(auth.accessKeyId)
    const h = request.headers
    this.checkTimestamp(typeof h['x-acs-date'] === 'string' ? h['x-acs-date'] : undefined)
    if (h['x-acs-content-sha256'] !== sha256Hex(request.body)) {
      throw new KmsApiError(
        'SignatureDoesNotMatch',
        400,
        'The x-acs-content-sha256 header does not match the request body.',
      )
    }
    const expected = computeAcs3Signature(request, auth, key.accessKeySecret)
    if (!safeEqual(expected, auth.signature)) throw signatureMismatch()
    const token = h['x-acs-security-token']
    this.checkToken(key, typeof token === 'string' ? token : undefined)
    const nonce = h['x-acs-signature-nonce']
    this.checkNonce(key.accessKeyId, typeof nonce === 'string' ? nonce : undefined)
    const action = h['x-acs-action']
    const version = h['x-acs-version']
    return {
      accessKeyId: key.accessKeyId,
      scheme: 'acs3',
      action: typeof action === 'string' ? action : undefined,
      version: typeof version === 'string' ? version : undefined,
    }
  }

  private lookup(accessKeyId: string): EmulatorAccessKey {
    const key = this.keys.get(accessKeyId)
    if (!key) {
      throw new KmsApiError(
        'InvalidAccessKeyId.NotFound',
        404,
        'Specified access key is not found.',
      )
    }
    return key
  }

  private checkTimestamp(timestamp: string | undefined): void {
    if (!timestamp) {
      throw new KmsApiError(
        'IllegalTimestamp',
        400,
        'The input parameter "Timestamp" that is mandatory for processing this request is not supplied.',
      )
    }
    const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(timestamp)
      ? Date.parse(timestamp)
      : Number.NaN
    if (Number.isNaN(ms) || Math.abs(ms - this.wallClock()) > TIMESTAMP_SKEW_MS) {
      throw new KmsApiError(
        'IllegalTimestamp',
        400,
        'Specified time stamp or date value is expired or not in the format yyyy-MM-ddTHH:mm:ssZ.',
      )
    }
  }

  private checkToken(key: EmulatorAccessKey, token: string | undefined): void {
    if (key.securityToken === undefined) return
    if (token === undefined || !safeEqual(token, key.securityToken)) {
      throw new KmsApiError(
        'InvalidSecurityToken.MismatchWithAccessKey',
        400,
        'Specified SecurityToken is missing or mismatches the AccessKey.',
      )
    }
  }

  private checkNonce(accessKeyId: string, nonce: string | undefined): void {
    if (!nonce) {
      throw new KmsApiError(
        'MissingParameter',
        400,
        'The input parameter "SignatureNonce" that is mandatory for processing this request is not supplied.',
      )
    }
    const now = this.wallClock()
    // Insertion order is time order, so expired entries sit at the front.
    for (const [k, expiry] of this.nonces) {
      if (expiry > now) break
      this.nonces.delete(k)
    }
    const id = `${accessKeyId}\n${nonce}`
    if (this.nonces.has(id)) {
      throw new KmsApiError(
        'SignatureNonceUsed',
        400,
        'Specified signature nonce was used already.',
      )
    }
    this.nonces.set(id, now + 2 * TIMESTAMP_SKEW_MS)
  }
}

function signatureMismatch(): KmsApiError {
  return new KmsApiError(
    'SignatureDoesNotMatch',
    400,
    'Specified signature is not matched with our calculation.',
  )
}
