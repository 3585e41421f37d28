import { SecretClientError } from '../errors.js'
import { BASE64 } from '../internal/base64.js'
import type { SecretDataType, SecretRecord } from '../types.js'

type AnyMap = Record<string, unknown>

function isMap(value: unknown): value is AnyMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Reads `Name` or `name`: raw KMS maps are PascalCase, SDK models camelCase. */
function pick(map: AnyMap, pascal: string): unknown {
  const camel = pascal.charAt(0).toLowerCase() + pascal.slice(1)
  return map[pascal] ?? map[camel]
}

function optionalString(map: AnyMap, pascal: string): string | undefined {
  const value = pick(map, pascal)
  if (typeof value === 'string') return value === '' ? undefined : value
  // A number or boolean (some SDK models type fields loosely) reads as text; anything else — an
  // object, which String() could not even convert without a prototype — is absent.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

function versionStagesOf(map: AnyMap): string[] | undefined {
  const raw = pick(map, 'VersionStages')
  // KMS JSON nests the list: {"VersionStages":{"VersionStage":["ACSCurrent"]}}.
  const list = isMap(raw) ? pick(raw, 'VersionStage') : raw
  if (list === undefined || list === null) return undefined
  const items = Array.isArray(list) ? list : [list]
  return items.filter((item): item is string => typeof item === 'string')
}

/**
 * Unwraps whatever a KMS SDK returned for GetSecretValue: a raw response map (1.x `doRequest`),
 * a `{ body, headers, statusCode }` envelope (openapi-client `callApi`, 2.x/3.x models) or a flat
 * 1.x model.
 */
function responseBody(response: unknown): AnyMap | undefined {
  if (!isMap(response)) return undefined
  const body = response.body
  if (isMap(body) && pick(body, 'SecretName') !== undefined) return body
  return response
}

/**
 * Whether the response's `SecretName` is the one requested: the same name, or the name at the
 * end of a requested ARN (`acs:kms:<region>:<account>:secret/<name>`, for another account's secret).
 */
function namesRequested(named: string, requested: string): boolean {
  if (named === requested) return true
  const arn = /^acs:kms:[^:]*:[^:]*:secret\/(.+)$/.exec(requested)
  return arn !== null && (arn[1] === named || requested === named)
}

function malformed(secretName: string, what: string, requestId?: string): SecretClientError {
  return new SecretClientError(
    'KMS_ERROR',
    `secret "${secretName}": malformed GetSecretValue response (${what})`,
    { secretName, requestId },
  )
}

/**
 * Maps a GetSecretValue response of any SDK generation, PascalCase or camelCase, into a
 * {@link SecretRecord}. A response without name, version id or data is a `KMS_ERROR`; the error
 * never quotes the response, which holds the secret value.
 *
 * @param response - what the SDK returned
 * @param secretName - the requested name, used in errors and when the response omits it
 */
export function toSecretRecord(response: unknown, secretName: string): SecretRecord {
  const body = responseBody(response)
  if (body === undefined) throw malformed(secretName, 'not an object')
  const requestId = optionalString(body, 'RequestId')
  const versionId = pick(body, 'VersionId')
  if (versionId === undefined || versionId === null || versionId === '') {
    throw malformed(secretName, 'no VersionId', requestId)
  }
  // A number or an object would become "[object Object]", a version every read compares against.
  if (typeof versionId !== 'string')
    throw malformed(secretName, 'VersionId is not a string', requestId)
  const named = optionalString(body, 'SecretName')
  if (named !== undefined && !namesRequested(named, secretName)) {
    // Another secret's value under this name would hand its credentials to the wrong pool.
    throw malformed(secretName, 'it names another secret', requestId)
  }
  const secretValue = pick(body, 'SecretData')
  if (typeof secretValue !== 'string') throw malformed(secretName, 'no SecretData', requestId)
  const dataType = optionalString(body, 'SecretDataType') ?? 'text'
  if (dataType !== 'text' && dataType !== 'binary') {
    throw malformed(secretName, 'unknown SecretDataType', requestId)
  }
  if (dataType === 'binary' && !BASE64.test(secretValue)) {
    throw malformed(secretName, 'binary SecretData is not base64', requestId)
  }
  const extendedConfig = pick(body, 'ExtendedConfig')
  return {
    secretName: named ?? secretName,
    versionId,
    secretValue,
    secretDataType: dataType satisfies SecretDataType,
    versionStages: versionStagesOf(body),
    secretType: optionalString(body, 'SecretType'),
    createTime: optionalString(body, 'CreateTime'),
    automaticRotation: optionalString(body, 'AutomaticRotation'),
    rotationInterval: optionalString(body, 'RotationInterval'),
    nextRotationDate: optionalString(body, 'NextRotationDate'),
    lastRotationDate: optionalString(body, 'LastRotationDate'),
    extendedConfig:
      typeof extendedConfig === 'string' || isMap(extendedConfig) ? extendedConfig : undefined,
    requestId,
  }
}
