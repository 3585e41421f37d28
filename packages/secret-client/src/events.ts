import type { SecretClientErrorCode } from './errors.js'
import type { PersistentCacheProblem } from './persistent-cache.js'

/** Payload of `refresh` — a fetch from KMS succeeded. */
export interface RefreshEvent {
  secretName: string
  versionStage: string
  versionId: string
  /** Version id held before, when the entry existed. */
  previousVersionId: string | undefined
  /** Whether the version changed (always true for a first load). */
  changed: boolean
  /** Why it was fetched. */
  reason: 'miss' | 'expired' | 'refresh-ahead' | 'refresh-now'
  durationMs: number
  /** Number of attempts made (1 without retries). */
  attempts: number
}

/** Payload of `refreshError` — a fetch from KMS failed after every retry. */
export interface RefreshErrorEvent {
  secretName: string
  versionStage: string
  reason: RefreshEvent['reason']
  code: SecretClientErrorCode
  kmsCode: string | undefined
  /** Version id still cached for this key (it stays served within its limits), if any. */
  previousVersionId: string | undefined
  durationMs: number
  attempts: number
}

/** Payload of `stale` — an expired value was served because KMS failed transiently. */
export interface StaleEvent {
  secretName: string
  versionStage: string
  versionId: string
  /** How long ago the entry expired. */
  staleForMs: number
  code: SecretClientErrorCode
  /** `disk`: restored from the persistent cache on a cold start; `memory` otherwise. */
  source: 'memory' | 'disk'
}

/**
 * Payload of `persistentCacheError` — a file of the persistent cache was not used or not written
 * (the read or refresh goes on without it): `corrupt` / `unauthenticated` (tampered, another key,
 * another secret's file), `read-failed`, `write-failed`, `key-unavailable`.
 */
export interface PersistentCacheErrorEvent {
  secretName: string
  versionStage: string
  problem: PersistentCacheProblem
}

/** Payload of `evict` — an entry left the cache. */
export interface EvictEvent {
  secretName: string
  versionStage: string
  versionId: string
  reason: 'lru' | 'not-found' | 'access-denied' | 'stale-limit' | 'close'
}

/** Events of {@link SecretCacheClient}; payloads never contain secret values. */
export interface SecretCacheClientEvents {
  refresh: RefreshEvent
  refreshError: RefreshErrorEvent
  stale: StaleEvent
  evict: EvictEvent
  persistentCacheError: PersistentCacheErrorEvent
}
