import type { SecretInfo } from '../secret-info.js'
import { deepFreeze } from './deep-freeze.js'

/** Outcome of parsing a secret value as JSON; a failure carries no parser message (it quotes text). */
export type SecretJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'binary' | 'not-json' }

const BINARY: SecretJson = Object.freeze({ ok: false, reason: 'binary' })
const NOT_JSON: SecretJson = Object.freeze({ ok: false, reason: 'not-json' })

/**
 * Parses a text secret value as JSON, once per version, and freezes the result in depth. The
 * `SyntaxError` is dropped on purpose: its message can quote the secret text.
 */
export function parseSecretJson(info: SecretInfo): SecretJson {
  if (info.secretDataType === 'binary') return BINARY
  try {
    return Object.freeze({ ok: true, value: deepFreeze(JSON.parse(info.secretValue) as unknown) })
  } catch {
    return NOT_JSON
  }
}

/** The `ttl` field (milliseconds) of a JSON object value, when it is a number ≥ 0. */
export function ttlFromJson(json: SecretJson): number | undefined {
  if (!json.ok || json.value === null || typeof json.value !== 'object') return undefined
  const ttl = (json.value as Record<string, unknown>).ttl
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? ttl : undefined
}
