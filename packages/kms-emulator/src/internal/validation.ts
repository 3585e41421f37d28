import { invalidParameter } from './api-errors.js'

/** Documented limit of a secret value. */
export const MAX_SECRET_DATA_BYTES = 30_720
/** Documented limit of tags per secret. */
export const MAX_TAGS = 20
const TAG_CHARS = /^[\p{L}\p{N} /\\_\-.+=:@]*$/u
const SECRET_NAME = /^[a-zA-Z0-9/_+=.@-]{1,192}$/
const VERSION_ID = /^[a-zA-Z0-9._-]{1,64}$/

/** 1–192 characters of `[a-zA-Z0-9/_+=.@-]`, not starting with `acs/`. */
export function validateSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw invalidParameter('SecretName', 'use 1 to 192 letters, digits and the characters /_+=.@-')
  }
  if (name.toLowerCase().startsWith('acs/')) {
    throw invalidParameter('SecretName', 'must not start with "acs/"')
  }
}

/** 1–64 characters of `[a-zA-Z0-9._-]`. */
export function validateVersionId(versionId: string): void {
  if (!VERSION_ID.test(versionId)) {
    throw invalidParameter('VersionId', 'use 1 to 64 letters, digits and the characters ._-')
  }
}

/** Checks size and, for binary data, base64 encoding. */
export function validateSecretData(data: string, dataType: 'text' | 'binary'): void {
  if (Buffer.byteLength(data, 'utf8') > MAX_SECRET_DATA_BYTES) {
    throw invalidParameter('SecretData', `must not exceed ${MAX_SECRET_DATA_BYTES} bytes`)
  }
  if (dataType === 'binary' && !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
    throw invalidParameter('SecretData', 'binary data must be base64-encoded')
  }
}

/** `SecretDataType`: `text` (default) or `binary`. */
export function parseDataType(value: string | undefined): 'text' | 'binary' {
  if (value === undefined || value === 'text') return 'text'
  if (value === 'binary') return 'binary'
  throw invalidParameter('SecretDataType', 'expected "text" or "binary"')
}

/** Validates one tag against the documented rules. */
export function validateTag(key: string, value: string, param = 'Tags'): void {
  if (key.length < 1 || key.length > 128) {
    throw invalidParameter(param, 'a tag key must be 1 to 128 characters')
  }
  if (value.length > 128)
    throw invalidParameter(param, 'a tag value must be at most 128 characters')
  if (!TAG_CHARS.test(key) || !TAG_CHARS.test(value)) {
    throw invalidParameter(param, 'tags may contain letters, digits, spaces and /\\_-.+=:@')
  }
  const lower = key.toLowerCase()
  if (lower.startsWith('aliyun') || lower.startsWith('acs:')) {
    throw invalidParameter(param, 'a tag key must not start with "aliyun" or "acs:"')
  }
}

/** Parses `Tags=[{"TagKey":"k","TagValue":"v"}]` and validates each tag and the count. */
export function parseTags(json: unknown, param = 'Tags'): Array<{ key: string; value: string }> {
  if (!Array.isArray(json)) throw invalidParameter(param, 'expected a JSON array of tags')
  if (json.length > MAX_TAGS) throw invalidParameter(param, `at most ${MAX_TAGS} tags are allowed`)
  const tags: Array<{ key: string; value: string }> = []
  for (const item of json) {
    const key = (item as { TagKey?: unknown } | null)?.TagKey
    const value = (item as { TagValue?: unknown } | null)?.TagValue ?? ''
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw invalidParameter(param, 'each tag needs a string TagKey and TagValue')
    }
    validateTag(key, value, param)
    const existing = tags.find((t) => t.key === key)
    if (existing) existing.value = value
    else tags.push({ key, value })
  }
  return tags
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }
/** Shortest rotation interval the service accepts: 6 hours. */
export const MIN_ROTATION_SEC = 6 * 3600
/** Longest rotation interval: 365 days. */
export const MAX_ROTATION_SEC = 365 * 86_400

/**
 * Parses a rotation interval such as `604800s`, `12h` or `30d` into seconds and enforces
 * 6 hours – 365 days (or 1 second – 365 days when short intervals are allowed).
 */
export function parseRotationInterval(value: string, allowShort: boolean): number {
  const match = /^(\d+)([smhd])$/.exec(value)
  if (!match) {
    throw invalidParameter('RotationInterval', 'expected a number followed by s, m, h or d')
  }
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number)
  const min = allowShort ? 1 : MIN_ROTATION_SEC
  if (seconds < min || seconds > MAX_ROTATION_SEC) {
    throw invalidParameter(
      'RotationInterval',
      allowShort ? 'must be between 1 second and 365 days' : 'must be between 6 hours and 365 days',
    )
  }
  return seconds
}

/**
 * Longest account name of a DoubleUsers secret whose second account the first rotation creates:
 * `<name>_clone` must still fit the 32-character account name limit.
 */
export const MAX_DOUBLE_USERS_ACCOUNT_NAME = 32 - '_clone'.length
