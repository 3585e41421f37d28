/**
 * The marker of an error that ended a rotation budget. `Symbol.for`, so that the ESM and CJS
 * copies of this package (or two installed versions) recognise each other's errors.
 */
const MARK = Symbol.for('@org/secret-client.authRetryExhausted')

/**
 * What an error that ended a rotation budget carries, besides the driver's own fields: the
 * database kept rejecting the secret's credentials until `rotationRetry` ran out.
 */
export interface AuthRetryExhausted {
  /** The secret whose credentials were rejected. */
  readonly secretName: string
  /** Connection attempts made, the first one included. */
  readonly attempts: number
  /** Time spent, in milliseconds, from the first read of the secret. */
  readonly elapsedMs: number
  /** Version id of the last credentials tried. */
  readonly versionId: string | undefined
}

/** Whether `error` carries the marker set by {@link markAuthRetryExhausted}. */
export function hasAuthRetryExhaustedMark(error: unknown): error is Error & AuthRetryExhausted {
  return (
    error !== null &&
    (typeof error === 'object' || typeof error === 'function') &&
    (error as { [MARK]?: unknown })[MARK] === true
  )
}

/**
 * Marks `error` in place and returns it, or `undefined` when it cannot carry the marker (not an
 * object, frozen). The fields are non-enumerable: the error prints and serialises exactly as the
 * driver made it.
 */
export function setAuthRetryExhaustedMark(
  error: unknown,
  details: AuthRetryExhausted,
): (Error & AuthRetryExhausted) | undefined {
  if (error === null || typeof error !== 'object' || !Object.isExtensible(error)) return undefined
  try {
    for (const [key, value] of [
      [MARK, true],
      ['secretName', details.secretName],
      ['attempts', details.attempts],
      ['elapsedMs', details.elapsedMs],
      ['versionId', details.versionId],
    ] as const) {
      Object.defineProperty(error, key, { value, configurable: true, writable: true })
    }
  } catch {
    return undefined
  }
  return error as Error & AuthRetryExhausted
}
