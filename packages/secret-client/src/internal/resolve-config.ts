import { SecretClientError } from '../errors.js'
import type { SecretCacheClientOptions } from '../options.js'
import type { Logger } from '../types.js'
import type { RetryPolicy } from './backoff.js'
import { assertKnownKeys } from './known-keys.js'
import { telemetryOptionProblem } from './telemetry.js'
import { globalNow, globalRandom, globalTimers, type Timers } from './timers.js'

/** Largest delay `setTimeout` honours; longer ones fire at once, so we refuse them. */
const MAX_TIMER_MS = 2_147_483_647

/** The cache options of {@link SecretCacheClientOptions} with defaults applied, validated and frozen. */
export interface ResolvedConfig {
  readonly ttlMs: number
  /** Per-secret TTLs; a Map so a secret named `__proto__` cannot reach the prototype. */
  readonly secretTtlMs: ReadonlyMap<string, number>
  readonly maxStaleMs: number
  readonly maxEntries: number
  readonly versionStage: string
  readonly retry: RetryPolicy
  readonly timeoutMs: number
  readonly minRefreshIntervalMs: number
  readonly refreshAheadRatio: number
  readonly rotationSpreadMs: number
  readonly logger: Logger | undefined
  /** Epoch-ms clock; read off the hit path only. */
  readonly now: () => number
  readonly timers: Timers
  readonly random: () => number
}

function invalid(option: string, expected: string): SecretClientError {
  // Names the option and what was expected, never the value given (it may be a credential).
  return new SecretClientError('INVALID_CONFIG', `Invalid option ${option}: expected ${expected}`)
}

/** Every key of {@link SecretCacheClientOptions}; any other is a typo to report. */
const OPTION_KEYS = [
  'fetcher',
  'regionId',
  'regions',
  'endpoint',
  'credential',
  'kmsClient',
  'ca',
  'ttlMs',
  'secretTtlMs',
  'maxStaleMs',
  'maxEntries',
  'versionStage',
  'retry',
  'timeoutMs',
  'minRefreshIntervalMs',
  'refreshAheadRatio',
  'rotationSpreadMs',
  'logger',
  'persistentCache',
  'telemetry',
  'now',
  'timers',
  'random',
] as const satisfies ReadonlyArray<keyof SecretCacheClientOptions>

const RETRY_KEYS = ['maxAttempts', 'baseDelayMs', 'maxDelayMs'] as const

/** Upper bound of `maxEntries` (see there). */
const MAX_ENTRIES = 1_000_000

function number(
  value: unknown,
  option: string,
  fallback: number,
  { min = 0, max = Number.POSITIVE_INFINITY, integer = false, above = false } = {},
): number {
  if (value === undefined) return fallback
  const expected = `${integer ? 'an integer' : 'a finite number'} ${above ? '>' : '≥'} ${min}${
    max === Number.POSITIVE_INFINITY ? '' : ` and ≤ ${max}`
  }`
  // Infinity is refused too: no option here means "unlimited", and a timer of Infinity fires at once.
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(option, expected)
  if (integer && !Number.isInteger(value)) throw invalid(option, expected)
  if (above ? value <= min : value < min) throw invalid(option, expected)
  if (value > max) throw invalid(option, expected)
  return value
}

/**
 * Applies defaults to the cache options and validates them once, so the hot path never
 * re-checks. Throws {@link SecretClientError} `INVALID_CONFIG` naming the first bad option.
 */
export function resolveConfig(options: SecretCacheClientOptions | undefined): ResolvedConfig {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalid('options', 'an object')
  assertKnownKeys(options, OPTION_KEYS, 'option ')
  const { fetcher, logger, versionStage, secretTtlMs, retry } = options
  if (
    fetcher !== undefined &&
    (fetcher === null ||
      typeof fetcher !== 'object' ||
      typeof (fetcher as { fetchSecret?: unknown }).fetchSecret !== 'function')
  ) {
    throw invalid('fetcher', 'an object with a fetchSecret() method')
  }
  if (logger !== undefined && (logger === null || typeof logger !== 'object')) {
    throw invalid('logger', 'an object with debug/info/warn/error methods')
  }
  if (
    versionStage !== undefined &&
    (typeof versionStage !== 'string' || versionStage.length === 0 || versionStage.includes('\0'))
  ) {
    throw invalid('versionStage', 'a non-empty string')
  }
  if (retry !== undefined && (retry === null || typeof retry !== 'object')) {
    throw invalid('retry', 'an object')
  }
  if (retry !== undefined) assertKnownKeys(retry, RETRY_KEYS, 'option retry.')
  const telemetryProblem = telemetryOptionProblem(options.telemetry)
  if (telemetryProblem !== undefined) throw invalid('telemetry', telemetryProblem)
  const { now, timers, random } = options
  if (now !== undefined && typeof now !== 'function') throw invalid('now', 'a function')
  if (random !== undefined && typeof random !== 'function') throw invalid('random', 'a function')
  if (
    timers !== undefined &&
    (timers === null ||
      typeof timers !== 'object' ||
      typeof (timers as { setTimeout?: unknown }).setTimeout !== 'function' ||
      typeof (timers as { clearTimeout?: unknown }).clearTimeout !== 'function')
  ) {
    throw invalid('timers', 'an object with setTimeout() and clearTimeout() methods')
  }
  const ttls = new Map<string, number>()
  if (secretTtlMs !== undefined) {
    if (secretTtlMs === null || typeof secretTtlMs !== 'object' || Array.isArray(secretTtlMs)) {
      throw invalid('secretTtlMs', 'an object mapping secret names to milliseconds')
    }
    for (const [name, ttl] of Object.entries(secretTtlMs)) {
      ttls.set(name, number(ttl, `secretTtlMs[${JSON.stringify(name)}]`, 0))
    }
  }
  const policy: RetryPolicy = Object.freeze({
    maxAttempts: number(retry?.maxAttempts, 'retry.maxAttempts', 5, { min: 1, integer: true }),
    baseDelayMs: number(retry?.baseDelayMs, 'retry.baseDelayMs', 200, { max: MAX_TIMER_MS }),
    maxDelayMs: number(retry?.maxDelayMs, 'retry.maxDelayMs', 10_000, { max: MAX_TIMER_MS }),
  })
  return Object.freeze({
    ttlMs: number(options.ttlMs, 'ttlMs', 3_600_000),
    secretTtlMs: ttls,
    maxStaleMs: number(options.maxStaleMs, 'maxStaleMs', 86_400_000),
    // lru-cache allocates its index for `max` entries up front: 2**31 ran the process out of
    // memory, 2**53 threw lru-cache's own untyped error.
    maxEntries: number(options.maxEntries, 'maxEntries', 1000, {
      min: 1,
      max: MAX_ENTRIES,
      integer: true,
    }),
    versionStage: versionStage ?? 'ACSCurrent',
    retry: policy,
    timeoutMs: number(options.timeoutMs, 'timeoutMs', 5000, { above: true, max: MAX_TIMER_MS }),
    minRefreshIntervalMs: number(options.minRefreshIntervalMs, 'minRefreshIntervalMs', 5000),
    refreshAheadRatio: number(options.refreshAheadRatio, 'refreshAheadRatio', 0.8, {
      above: true,
      max: 1,
    }),
    rotationSpreadMs: number(options.rotationSpreadMs, 'rotationSpreadMs', 300_000, {
      max: MAX_TIMER_MS,
    }),
    logger,
    now: now ?? globalNow,
    timers: timers ?? globalTimers,
    random: random ?? globalRandom,
  })
}
