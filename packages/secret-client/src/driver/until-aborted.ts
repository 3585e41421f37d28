import { waitFor } from '../internal/wait-for.js'

/**
 * Settles with `promise`, or rejects as soon as `signal` fires (with `toError(signal.reason)`,
 * the reason itself by default) while `promise` goes on for whoever else holds it. The abort
 * listener is removed when `promise` settles, so a long-lived signal collects no listeners, and a
 * late rejection of `promise` is never unhandled. The one abort helper of the driver kit.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  toError?: (reason: unknown) => unknown,
): Promise<T> {
  return waitFor(promise, signal, toError)
}
