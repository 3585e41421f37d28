import { closest, distance } from 'fastest-levenshtein'
import { SecretClientError, type SecretClientErrorCode } from '../errors.js'

/**
 * Throws `code` for the first own key of `value` that is not in `known`, suggesting the nearest
 * known key: a misspelt option (`ttl`, `timeout`, `region`) would otherwise be ignored and its
 * default used in silence. Only the key is named, never a value.
 *
 * @param where - how the message names the object, e.g. `option` or `option retry.`
 */
export function assertKnownKeys(
  value: object,
  known: readonly string[],
  where: string,
  code: SecretClientErrorCode = 'INVALID_CONFIG',
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key
    throw new SecretClientError(
      code,
      `Unknown ${where}${JSON.stringify(shown)}${suggestion(key, known)}`,
    )
  }
}

function suggestion(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase()
  // `ttl` → `ttlMs`, `timeout` → `timeoutMs`: a known key the unknown one starts.
  // `attempts` → `maxAttempts`: one the unknown key is a part of.
  const part =
    lower.length >= 3
      ? (known.find((k) => k.toLowerCase().startsWith(lower)) ??
        known.find((k) => k.toLowerCase().includes(lower)))
      : undefined
  // `regionID`, `tllMs`: a small edit away.
  const near = closest(key, known as string[])
  const candidate =
    part ?? (distance(lower, near.toLowerCase()) <= Math.max(2, key.length / 3) ? near : '')
  return candidate ? `: did you mean ${JSON.stringify(candidate)}?` : ''
}
