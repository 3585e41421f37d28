/** The resolved retry policy (see `RetryOptions`). */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/**
 * Full-jitter exponential backoff: a random delay in `[0, min(maxDelayMs, baseDelayMs * 2^retry))`
 * where `retry` counts from 0 for the wait after the first failed attempt. Randomness spreads a
 * fleet's retries so that a throttled KMS is not hit again in lockstep.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
  return Math.floor(random() * cap)
}

/**
 * Delay before the next attempt, or `undefined` to stop retrying.
 *
 * A server hint (`retryAfterMs`) is a floor: we never come back earlier than KMS asked. But we never
 * wait longer than `maxDelayMs` either (it bounds how long a caller can be held): when the hint
 * exceeds it, retrying within this call is pointless, so we give up at once and let the caller
 * (or stale-if-error) handle the error, which carries `retryAfterMs`.
 */
export function nextRetryDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | undefined,
): number | undefined {
  const jittered = backoffDelay(retry, policy, random)
  if (retryAfterMs === undefined) return jittered
  if (retryAfterMs > policy.maxDelayMs) return undefined
  return Math.max(jittered, retryAfterMs)
}
