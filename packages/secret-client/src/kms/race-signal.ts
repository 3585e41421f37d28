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
 * Settles with `promise`, or rejects with {@link abortError} as soon as `signal` fires. The SDKs
 * take no signal, so the HTTP request itself runs on until its response or the SDK read timeout
 * (`timeoutMs`); its outcome is then ignored.
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return waitFor(promise, signal, () => abortError(signal as AbortSignal))
}
