import { KmsEmulatorError } from '../errors.js'

/**
 * Log fields describing an error without risking a secret: the code and message of the library's
 * own errors (whose messages never hold a secret value) and of Node system errors (a syscall and a
 * path), only the name of anything else, whose message could quote a statement or a value.
 */
export function safeErrorFields(err: unknown): Record<string, unknown> {
  if (err instanceof KmsEmulatorError) {
    return { error: err.name, code: err.code, message: err.message }
  }
  if (err instanceof Error) {
    const { code, syscall } = err as NodeJS.ErrnoException
    if (typeof code === 'string' && typeof syscall === 'string') {
      return { error: err.name, code, message: err.message }
    }
    return { error: err.name }
  }
  return { error: 'unknown' }
}
