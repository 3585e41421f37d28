import { globalTimers, type Timers } from './timers.js'

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` fires. The
 * timer is cleared on abort, so an aborted sleep leaves no pending timer behind.
 */
export function abortableSleep(
  ms: number,
  signal: AbortSignal,
  timers: Timers = globalTimers,
): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timers.clearTimeout(handle)
      reject(signal.reason)
    }
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
