import { SecretClientError } from '../errors.js'
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
  if (value === undefined || value === null || value === '') return undefined
  return typeof value === 'string' ? value : String(value)
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
  const versionId = optionalString(body, 'VersionId')
  if (versionId === undefined) throw malformed(secretName, 'no VersionId', requestId)
  const secretValue = pick(body, 'SecretData')
  if (typeof secretValue !== 'string') throw malformed(secretName, 'no SecretData', requestId)
  const dataType = optionalString(body, 'SecretDataType') ?? 'text'
  if (dataType !== 'text' && dataType !== 'binary') {
    throw malformed(secretName, 'unknown SecretDataType', requestId)
  }
  const extendedConfig = pick(body, 'ExtendedConfig')
  return {
    secretName: optionalString(body, 'SecretName') ?? secretName,
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
