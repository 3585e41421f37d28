import { SecretClientError } from '../errors.js'
import { assertKnownKeys } from '../internal/known-keys.js'

/**
 * Retry budget for connecting through a rotation. `maxTimeMs` is the real bound: a deadline from
 * the call. `maxAttempts` is an optional extra cap, unlimited by default, because a count cannot
 * tell how long a rotation window lasts: the client refreshes a secret that did not change at
 * most once per `minRefreshIntervalMs` (5 s by default), so a count of quick retries could run
 * out before the refresh that sees the new version is even allowed.
 */
export interface RotationRetryOptions {
  /**
   * Connection attempts in all, the first one included (`Infinity`: only the deadline counts).
   * @default Infinity
   */
  maxAttempts?: number
  /**
   * Deadline in milliseconds, from the call: no attempt starts after it, except one last attempt
   * with the credentials at hand when a backoff wait or a KMS call between attempts reaches it
   * (the wait is cut short, the KMS call abandoned). An attempt in progress is not interrupted
   * (the driver's connect timeout bounds it), so the call ends within `maxTimeMs` plus one
   * connect. The default outlasts the client's default `minRefreshIntervalMs` (5 s) several
   * times, so a rotation window that the first forced refresh did not see is still picked up by a
   * later one.
   * @default 30000
   */
  maxTimeMs?: number
  /**
   * Base of the full-jitter backoff between attempts that found no new version.
   * @default 100
   */
  baseDelayMs?: number
  /**
   * Cap of one wait.
   * @default 2000
   */
  maxDelayMs?: number
}

/** The defaults of {@link RotationRetryOptions}. */
export const DEFAULT_ROTATION_RETRY: Readonly<Required<RotationRetryOptions>> = Object.freeze({
  maxAttempts: Number.POSITIVE_INFINITY,
  maxTimeMs: 30_000,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
})

/**
 * Resolves a {@link RotationRetryOptions} against the defaults, checking every field: drivers
 * call it when their options are given, so a bad budget fails at once rather than at the first
 * connect. Unknown keys are ignored. Returns the same frozen defaults object when `retry` is
 * `undefined`, so the common case costs nothing per connect.
 * @param optionName - how the caller's option is named in error messages, e.g. `rotationRetry`.
 * @throws {@link SecretClientError} `INVALID_CONFIG` naming the bad field (never its value).
 */
export function resolveRotationRetry(
  retry: unknown,
  optionName = 'retry',
): Readonly<Required<RotationRetryOptions>> {
  if (retry === undefined) return DEFAULT_ROTATION_RETRY
  if (retry === null || typeof retry !== 'object' || Array.isArray(retry)) {
    throw new SecretClientError('INVALID_CONFIG', `${optionName} must be an object`)
  }
  assertKnownKeys(retry, Object.keys(DEFAULT_ROTATION_RETRY), `option ${optionName}.`)
  const budget = { ...DEFAULT_ROTATION_RETRY }
  for (const key of Object.keys(DEFAULT_ROTATION_RETRY) as Array<keyof RotationRetryOptions>) {
    const value: unknown = (retry as RotationRetryOptions)[key]
    if (value === undefined) continue
    const min = key === 'maxAttempts' ? 1 : 0
    // Only the count may be unlimited: an infinite deadline or wait would never end.
    // A count is a whole number (or Infinity); 2.5 attempts would silently mean 3.
    const valid =
      typeof value === 'number' &&
      (key === 'maxAttempts'
        ? Number.isInteger(value) || value === Number.POSITIVE_INFINITY
        : Number.isFinite(value))
    if (!valid || (value as number) < min) {
      throw new SecretClientError(
        'INVALID_CONFIG',
        key === 'maxAttempts'
          ? `${optionName}.${key} must be an integer ≥ ${min} or Infinity`
          : `${optionName}.${key} must be a finite number ≥ ${min}`,
      )
    }
    budget[key] = value as number
  }
  return Object.freeze(budget)
}
