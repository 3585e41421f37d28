import type { SecretClientError } from '../errors.js'
import { abortableSleep } from './abortable-sleep.js'
import { nextRetryDelay, type RetryPolicy } from './backoff.js'
import type { Timers } from './timers.js'
import { waitFor } from './wait-for.js'

/** What {@link runWithRetry} needs to run one operation. */
export interface RetryRun<T> {
  /** One attempt; must honour `signal` (it fires on timeout and on `signal` of the run). */
  attempt(signal: AbortSignal, attempt: number): Promise<T>
  /** Maps whatever an attempt threw to a {@link SecretClientError}. */
  classify(err: unknown): SecretClientError
  /** The error of an attempt that exceeded `timeoutMs`. */
  timeoutError(): SecretClientError
  policy: RetryPolicy
  /** Timeout of one attempt in milliseconds. */
  timeoutMs: number
  /** Ends the whole run (waits included); the run rejects with `signal.reason`. */
  signal: AbortSignal
  random: () => number
  timers: Timers
  /** Called before each attempt with its 1-based number. */
  onAttempt?(attempt: number): void
  /** Called before each backoff wait. */
  onRetry?(err: SecretClientError, attempt: number, delayMs: number): void
}

/**
 * Runs `run.attempt` until it succeeds, fails with a non-retryable error, `maxAttempts` is reached
 * or the server's retry hint exceeds the delay cap. Each attempt gets its own signal that fires
 * after `timeoutMs` or when `run.signal` fires; an attempt that ignores its signal is still abandoned
 * at that moment (its late result is discarded).
 */
export async function runWithRetry<T>(run: RetryRun<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    run.onAttempt?.(attempt)
    let error: SecretClientError
    try {
      return await attemptOnce(run, attempt)
    } catch (err) {
      if (run.signal.aborted) throw run.signal.reason
      error = err as SecretClientError
    }
    if (!error.retryable || attempt >= run.policy.maxAttempts) throw error
    const delay = nextRetryDelay(attempt - 1, run.policy, run.random, error.retryAfterMs)
    if (delay === undefined) throw error
    run.onRetry?.(error, attempt, delay)
    await abortableSleep(delay, run.signal, run.timers)
  }
}

async function attemptOnce<T>(run: RetryRun<T>, attempt: number): Promise<T> {
  const controller = new AbortController()
  let timedOut = false
  const timer = run.timers.setTimeout(() => {
    timedOut = true
    controller.abort(run.timeoutError())
  }, run.timeoutMs)
  const onAbort = (): void => controller.abort(run.signal.reason)
  run.signal.addEventListener('abort', onAbort, { once: true })
  try {
    let pending: Promise<T>
    try {
      pending = run.attempt(controller.signal, attempt)
    } catch (err) {
      pending = Promise.reject(err)
    }
    return await waitFor(pending, controller.signal)
  } catch (err) {
    if (run.signal.aborted) throw run.signal.reason
    if (timedOut) throw run.timeoutError()
    throw run.classify(err)
  } finally {
    run.timers.clearTimeout(timer)
    run.signal.removeEventListener('abort', onAbort)
  }
}
