/**
 * Bounds the walk: a deep or cyclic chain (an error whose `cause` points back at itself, a huge
 * `AggregateError`) must not hang or blow the stack of the caller classifying it.
 */
const MAX_ERRORS = 64

/**
 * The links from an error to the errors it wraps: `cause` (standard), `originalError` (node-mssql,
 * knex wrappers) and the `errors` of an `AggregateError` (Node's happy-eyeballs connect, mariadb's
 * pool, `Promise.any`).
 */
function wrapped(error: object): unknown[] {
  try {
    const { cause, originalError, errors } = error as {
      cause?: unknown
      originalError?: unknown
      errors?: unknown
    }
    const links: unknown[] = [cause, originalError]
    if (Array.isArray(errors)) links.push(...errors.slice(0, MAX_ERRORS))
    return links
  } catch {
    // A throwing getter (a Proxy, a hostile object) ends this branch, not the caller.
    return []
  }
}

/**
 * The first error in `error`'s cause chain (itself included) that `matches`: walks `cause`,
 * `originalError` and `AggregateError#errors` breadth-first, each error once, at most 64 of them.
 * Drivers classify authentication failures with it, so a driver error wrapped by an ORM, by
 * node-mssql or by a connect `AggregateError` is still recognised.
 *
 * @example
 * ```ts
 * const isAuthFailure = (error: unknown) =>
 *   findCause(error, (e) => (e as { errno?: unknown }).errno === 1045) !== undefined
 * ```
 */
export function findCause(
  error: unknown,
  matches: (candidate: object) => boolean,
): object | undefined {
  const seen = new Set<object>()
  const queue: unknown[] = [error]
  for (let i = 0; i < queue.length && seen.size < MAX_ERRORS; i++) {
    const current = queue[i]
    if (current === null || typeof current !== 'object' || seen.has(current)) continue
    seen.add(current)
    let matched = false
    try {
      matched = matches(current)
    } catch {
      // As above: an unreadable error is simply not a match.
    }
    if (matched) return current
    queue.push(...wrapped(current))
  }
  return undefined
}
