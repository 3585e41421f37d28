import type { Logger } from '../types.js'

/**
 * Calls `logger[level]` if present and swallows what it throws: logging must never change the
 * outcome of a cache operation. Callers pass names, version ids and codes only, never values.
 */
export function safeLog(
  logger: Logger | undefined,
  level: keyof Logger,
  message: string,
  context?: Record<string, unknown>,
): void {
  const method = logger?.[level]
  if (typeof method !== 'function') return
  try {
    method.call(logger, message, context)
  } catch {
    // A broken logger is the application's problem; it must not break secret reads.
  }
}
