import { invalidParameter, missingParameter } from './api-errors.js'

/** Request parameters after merging query string and form body. */
export type RequestParams = Readonly<Record<string, string>>

/** A parameter; an empty string counts as absent. */
export function optionalString(params: RequestParams, name: string): string | undefined {
  const v = params[name]
  return v === undefined || v === '' ? undefined : v
}

/** A parameter that must be present (`MissingParameter` otherwise). */
export function requiredString(params: RequestParams, name: string): string {
  const v = optionalString(params, name)
  if (v === undefined) throw missingParameter(name)
  return v
}

/** `true`/`false` (any case); anything else is `InvalidParameter`. */
export function optionalBoolean(params: RequestParams, name: string): boolean | undefined {
  const v = optionalString(params, name)
  if (v === undefined) return undefined
  const lower = v.toLowerCase()
  if (lower === 'true') return true
  if (lower === 'false') return false
  throw invalidParameter(name, 'expected "true" or "false"')
}

/** An integer within `[min, max]`; anything else is `InvalidParameter`. */
export function optionalInteger(
  params: RequestParams,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = optionalString(params, name)
  if (v === undefined) return undefined
  if (!/^-?\d+$/.test(v)) throw invalidParameter(name, 'expected an integer')
  const n = Number(v)
  if (n < min || n > max) throw invalidParameter(name, `must be between ${min} and ${max}`)
  return n
}

/** Parses a JSON-valued parameter (the API passes lists and objects as JSON strings). */
export function optionalJson(params: RequestParams, name: string): unknown {
  const v = optionalString(params, name)
  if (v === undefined) return undefined
  try {
    return JSON.parse(v)
  } catch {
    throw invalidParameter(name, 'not valid JSON')
  }
}

/** A JSON array of strings, e.g. `VersionStages=["ACSCurrent"]` or `TagKeys=["a","b"]`. */
export function optionalStringList(params: RequestParams, name: string): string[] | undefined {
  const parsed = optionalJson(params, name)
  if (parsed === undefined) return undefined
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string' && x.length > 0)) {
    throw invalidParameter(name, 'expected a JSON array of non-empty strings')
  }
  return parsed as string[]
}
