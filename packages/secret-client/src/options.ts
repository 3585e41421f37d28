import type { TelemetryOption } from './internal/telemetry.js'
import type { PersistentCacheOptions } from './persistent-cache.js'
import type { Timers } from './timers.js'
import type { Logger, SecretFetcher, VersionStage } from './types.js'

/** Static access key credentials. */
export interface AccessKeyCredentials {
  accessKeyId: string
  accessKeySecret: string
  /** STS token, for temporary credentials. */
  securityToken?: string
}

/**
 * Anything with `getCredential()` like an `@alicloud/credentials` `Credential` (structural, so
 * any copy of that package fits).
 */
export interface CredentialProvider {
  getCredential(): Promise<{
    accessKeyId?: string
    accessKeySecret?: string
    securityToken?: string
  }>
}

/** One KMS region (or dedicated instance gateway) to read secrets from. */
export interface RegionConfig {
  /** Region id, e.g. `cn-hangzhou`. */
  regionId: string
  /**
   * Host (`kms.cn-hangzhou.aliyuncs.com`, `kst-xxx.cryptoservice.kms.aliyuncs.com`) or full URL
   * (`http://127.0.0.1:4000`).
   * @default `kms.<regionId>.aliyuncs.com` (`kms-vpc.<regionId>.aliyuncs.com` when `vpc` is set)
   */
  endpoint?: string
  /**
   * Use the VPC endpoint when no `endpoint` is given.
   * @default false
   */
  vpc?: boolean
  /**
   * PEM CA certificate(s) to trust for this region, e.g. a dedicated KMS instance CA.
   * @default the client's `ca` option, else Node's built-in CA store
   */
  ca?: string | readonly string[]
}

/** Retry policy for transient KMS failures. */
export interface RetryOptions {
  /**
   * Total attempts, the first one included. `1` disables retries.
   * @default 5
   */
  maxAttempts?: number
  /**
   * Base of the full-jitter exponential backoff: attempt n waits a random time in
   * `[0, min(maxDelayMs, baseDelayMs * 2^n)]`.
   * @default 200
   */
  baseDelayMs?: number
  /**
   * Cap of a single wait.
   * @default 10000
   */
  maxDelayMs?: number
}

/** Options of {@link SecretCacheClient}. Resolved once, then frozen. */
export interface SecretCacheClientOptions {
  /**
   * Reads secrets. When set, the KMS options (`regionId`, `endpoint`, `regions`, `credential`,
   * `ca`) are ignored.
   * @default a KMS fetcher built from the KMS options
   */
  fetcher?: SecretFetcher
  /**
   * KMS region id. Required unless `fetcher`, `regions` or `endpoint` is given.
   * @default undefined — no region: `endpoint` alone is used (signed with region `default`)
   */
  regionId?: string
  /**
   * KMS endpoint: a host, or a full URL (`http://127.0.0.1:4000` for a local emulator).
   * @default `kms.<regionId>.aliyuncs.com`
   */
  endpoint?: string
  /**
   * Several regions for failover; requests go to the healthiest one. Overrides `regionId` and
   * `endpoint`.
   * @default undefined — one region, from `regionId` / `endpoint`
   */
  regions?: readonly RegionConfig[]
  /**
   * Credentials: an `@alicloud/credentials` `Credential` or a static access key.
   * @default `new Credential()` — the official default chain (env, OIDC, config files, ECS role)
   */
  credential?: CredentialProvider | AccessKeyCredentials
  /**
   * An SDK client of any `@alicloud/kms20160120` generation to send requests with, instead of
   * the client built from the KMS options. It takes no abort signal, so its requests run to its
   * own timeout even after an abort or `close()` (their outcome is ignored).
   * @default undefined — a built-in `@alicloud/openapi-client` client per region
   */
  kmsClient?: unknown
  /**
   * PEM CA certificate(s) to trust, e.g. a dedicated KMS instance CA (`PrivateKmsCA_kst-*.pem`).
   * @default undefined — Node's built-in CA store
   */
  ca?: string | readonly string[]
  /**
   * How long a value is fresh. Overridden per secret by `secretTtlMs` and by a `ttl` field
   * (milliseconds) inside a JSON secret value.
   * @default 3600000 (1 hour)
   */
  ttlMs?: number
  /**
   * Per-secret TTL in milliseconds, by secret name.
   * @default undefined — every secret uses `ttlMs` (or the `ttl` field of its JSON value)
   */
  secretTtlMs?: Readonly<Record<string, number>>
  /**
   * How long after expiry a cached value may still be served while KMS fails transiently.
   * `0` disables stale-if-error.
   * @default 86400000 (24 hours)
   */
  maxStaleMs?: number
  /**
   * Maximum number of cached entries (secret × stage); least recently used ones are evicted. At
   * most 1 000 000: the LRU allocates its index for this many entries when the client is made.
   * @default 1000
   */
  maxEntries?: number
  /**
   * Stage read when a call names none.
   * @default 'ACSCurrent'
   */
  versionStage?: VersionStage
  /**
   * Retry policy for transient failures.
   * @default `{ maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10000 }`
   */
  retry?: RetryOptions
  /**
   * Timeout of one attempt in milliseconds. With several `regions`, each region tried within the
   * attempt gets the time left divided by the regions left, so a hanging region fails over in time.
   * @default 5000
   */
  timeoutMs?: number
  /**
   * After a `refreshNow` that found no new version, further `refreshNow` calls within this many
   * milliseconds return that result without calling KMS. The first load never arms it.
   * @default 5000
   */
  minRefreshIntervalMs?: number
  /**
   * Fraction of an entry's life after which a hit refreshes it in the background. The exact point
   * is jittered per entry in `[refreshAheadRatio - 0.1, refreshAheadRatio]`. `1` disables it.
   * @default 0.8
   */
  refreshAheadRatio?: number
  /**
   * Opt-in encrypted persistent cache: the last good value of each secret read, on disk
   * (AES-256-GCM, key from an environment variable, a file or a function — never from the cache
   * directory), served on a cold start only when KMS fails transiently and only if it expired less
   * than `maxStaleMs` ago. A file that does not authenticate is ignored (`persistentCacheError`).
   * @default none (memory only)
   */
  persistentCache?: PersistentCacheOptions
  /**
   * OpenTelemetry: with `@opentelemetry/api` installed (an optional peer), metrics
   * (`secret_client.*`) and a span per KMS attempt go to the global providers, or to the ones
   * given here; `false` turns them off. Without the package nothing is loaded and nothing costs.
   * Attributes hold names, stages, codes and reasons — never a value.
   * @default the global providers when `@opentelemetry/api` is installed
   */
  telemetry?: TelemetryOption
  /**
   * After a scheduled rotation (`NextRotationDate`), each entry reads the new version at its own
   * random moment within this window (after a 30 s grace), so a fleet does not call KMS in the
   * same second; `0` reads at rotation + 30 s exactly. Until then the old version is served (a
   * rejected login refreshes at once through the drivers).
   * @default 300000 (5 min)
   */
  rotationSpreadMs?: number
  /**
   * Structured logger; messages never contain secret values. A logger that throws is ignored.
   * @default undefined — no logging
   */
  logger?: Logger
  /**
   * The clock, in epoch milliseconds (it is compared with `NextRotationDate` and HTTP-date
   * `Retry-After` headers). The cache reads it when it stores an entry, when an entry's timer
   * fires, and on the slow paths (expired reads, stale-if-error, the `refreshNow` rate limit,
   * event durations) — never on a fresh cache hit. Inject it together with `timers`, so that
   * timer delays and the clock agree.
   * @default `Date.now` (looked up at each call, so fake timers installed later apply)
   */
  now?: () => number
  /**
   * Sets and clears every timer of the cache: each entry's refresh-ahead/expiry timer, the
   * per-attempt `timeoutMs` timeout and the retry backoff waits; by the time `close()` resolves,
   * each one is cleared or has run. With `now`, a hand-driven scheduler runs the cache on fake
   * time. The built-in KMS fetcher keeps the real clock and timers for its own per-region time
   * budget; give a `fetcher` to simulate everything.
   * @default the global `setTimeout` / `clearTimeout` (looked up at each call, so fake timers
   *   installed later apply)
   */
  timers?: Timers
  /**
   * Random source in `[0, 1)` for the jitter: each entry's refresh-ahead point and the full-jitter
   * retry backoff.
   * @default `Math.random` (looked up at each call)
   */
  random?: () => number
}
