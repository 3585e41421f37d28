import { SecretClientError } from '../errors.js'
import { waitFor } from '../internal/wait-for.js'

/**
 * The error a fetch rejects with when its signal fires: the signal's own reason when it is a
 * `TimeoutError` (the cache's per-attempt timeout, classified as `TIMEOUT`) or a
 * {@link SecretClientError} (e.g. `CLOSED`), otherwise an
 * `AbortError` `DOMException` (classified as `ABORTED`) carrying the reason as `cause`.
 */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof SecretClientError) return reason
  if (reason instanceof Error && reason.name === 'TimeoutError') return reason
  return new DOMException('KMS request aborted', { name: 'AbortError', cause: reason })
}

/**
 * Settles with `promise`, or rejects with {@link abortError} as soon as `signal` fires. This only
 * stops the waiting: ending the HTTP request itself is the sender's job (the built-in sender
 * destroys it; a user-supplied SDK client's request runs on to its end, its outcome ignored).
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return waitFor(promise, signal, () => abortError(signal as AbortSignal))
}
