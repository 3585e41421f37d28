function noop(): void {}

/**
 * Waits for `promise`, but stops waiting as soon as `signal` fires: the returned promise then
 * rejects with `toError(signal.reason)` while `promise` itself goes on (other callers may share
 * it). The abort listener is removed when `promise` settles, so long-lived signals do not
 * accumulate listeners, and a late rejection of `promise` is never unhandled.
 */
export function waitFor<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  toError: (reason: unknown) => unknown = (reason) => reason,
): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) {
    promise.then(noop, noop)
    return Promise.reject(toError(signal.reason))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(toError(signal.reason))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}
