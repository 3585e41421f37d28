import { databaseCredentialsFromJson } from '../database-credentials.js'
import { SecretClientError } from '../errors.js'
import type { SecretInfo } from '../secret-info.js'
import type { DatabaseCredentials } from '../types.js'
import type { EntryLifetime } from './entry-lifetime.js'
import type { SecretJson } from './parse-secret-json.js'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * One cached secret version with its expiry bookkeeping and per-version memos (parsed JSON,
 * database credentials, decoded bytes), so wrappers that read credentials on every new connection
 * do not re-parse. Expiry is kept here rather than in `lru-cache`, whose TTL would delete expired
 * entries and with them the value stale-if-error needs.
 */
export class CacheEntry {
  /** Epoch ms after which reads refresh synchronously. */
  readonly expiresAt: number
  /**
   * Epoch ms after which a hit starts a background refresh. Pushed later after a failed refresh,
   * so that a failing KMS gets one background attempt per back-off interval, not one per hit.
   */
  refreshAt: number
  /** `refreshNow` before this epoch ms returns this entry without calling KMS (rate limit). */
  noChangeUntil = 0
  /**
   * After a failed refresh of an expired entry, reads before this epoch ms are served the stale
   * value at once instead of each waiting for another round of retries.
   */
  staleRetryAt = 0
  #credentials: DatabaseCredentials | undefined
  #bytes: Uint8Array | undefined

  constructor(
    /** Secret name as requested (the cache key's name). */
    readonly secretName: string,
    /** Stage as requested (the cache key's stage). */
    readonly versionStage: string,
    readonly info: SecretInfo,
    readonly json: SecretJson,
    lifetime: EntryLifetime,
  ) {
    this.expiresAt = lifetime.expiresAt
    this.refreshAt = lifetime.refreshAt
  }

  /**
   * Takes over the memos of `previous` when it holds the very same value (a refresh that found
   * the same version), so wrappers keep getting the same credentials object without a re-parse.
   */
  inheritMemos(previous: CacheEntry): void {
    this.#credentials ??= previous.#credentials
    this.#bytes ??= previous.#bytes
  }

  /** Database credentials of this version, parsed on first use. */
  databaseCredentials(): DatabaseCredentials {
    if (this.#credentials === undefined) {
      this.#credentials = databaseCredentialsFromJson(
        this.json,
        this.info.secretName,
        this.info.versionId,
        this.info.extendedConfig,
      )
    }
    return this.#credentials
  }

  /** A fresh copy of the value's bytes (the memo itself is never handed out). */
  bytes(): Uint8Array {
    if (this.#bytes === undefined) {
      const value = this.info.secretValue
      if (this.info.secretDataType === 'binary') {
        if (!BASE64.test(value)) {
          throw new SecretClientError(
            'INVALID_SECRET_VALUE',
            `secret "${this.info.secretName}" (version ${this.info.versionId}) is binary but not valid base64`,
            { secretName: this.info.secretName },
          )
        }
        this.#bytes = new Uint8Array(Buffer.from(value, 'base64'))
      } else {
        this.#bytes = new TextEncoder().encode(value)
      }
    }
    return this.#bytes.slice()
  }
}
