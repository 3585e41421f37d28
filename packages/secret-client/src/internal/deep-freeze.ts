/**
 * Freezes a parsed JSON value in depth. Parsed values are cached and shared by every caller, so one
 * caller mutating its result must not change what the next caller reads.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}
