import { invalidParameter, resourceNotFound } from '../internal/api-errors.js'
import { formatTime } from '../internal/format-time.js'
import {
  optionalBoolean,
  optionalInteger,
  optionalJson,
  optionalString,
  requiredString,
} from '../internal/params.js'
import { ACS_CURRENT, type SecretRecord } from '../store/secret-record.js'
import type { Operation } from './operation-context.js'
import { extendedConfigJson, rotationFields, secretArn, tagsView } from './secret-views.js'

/** `GetSecretValue`: one version by `VersionId` and/or `VersionStage` (default `ACSCurrent`). */
export const getSecretValue: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const record = ctx.store.getActive(name)
  const versionId = optionalString(params, 'VersionId')
  const stage = optionalString(params, 'VersionStage') ?? (versionId ? undefined : ACS_CURRENT)
  const version = record.versions.find(
    (v) =>
      (versionId === undefined || v.versionId === versionId) &&
      (stage === undefined || v.stages.includes(stage)),
  )
  if (!version) {
    throw resourceNotFound(
      `version ${versionId ?? ''}${stage ? ` with stage ${stage}` : ''} of secret "${name}"`,
    )
  }
  if (optionalBoolean(params, 'DryRun')) return { SecretName: record.name }
  const out: Record<string, unknown> = {
    SecretName: record.name,
    VersionId: version.versionId,
    CreateTime: formatTime(version.createTime),
    SecretData: version.data,
    SecretDataType: version.dataType,
    VersionStages: { VersionStage: [...version.stages] },
  }
  if (optionalBoolean(params, 'FetchExtendedConfig')) {
    out.SecretType = record.type
    const ext = extendedConfigJson(record)
    if (ext !== undefined) out.ExtendedConfig = ext
    Object.assign(out, rotationFields(record))
  }
  return out
}

const FILTER_KEYS = new Set(['SecretName', 'Description', 'TagKey', 'TagValue', 'SecretType'])

type Filter = { key: string; values: string[] }

function parseFilters(value: unknown): Filter[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw invalidParameter('Filters', 'expected a JSON array')
  return value.map((f) => {
    const key = (f as { Key?: unknown } | null)?.Key
    const values = (f as { Values?: unknown } | null)?.Values
    if (typeof key !== 'string' || !FILTER_KEYS.has(key)) {
      throw invalidParameter('Filters', `Key must be one of ${[...FILTER_KEYS].join(', ')}`)
    }
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.length > 10 ||
      !values.every((v) => typeof v === 'string')
    ) {
      throw invalidParameter('Filters', 'Values must be an array of 1 to 10 strings')
    }
    return { key, values: values as string[] }
  })
}

function matches(record: SecretRecord, filter: Filter): boolean {
  switch (filter.key) {
    case 'SecretName':
      return filter.values.some((v) => record.name.includes(v))
    case 'Description':
      return filter.values.some((v) => (record.description ?? '').includes(v))
    case 'TagKey':
      return record.tags.some((t) => filter.values.includes(t.key))
    case 'TagValue':
      return record.tags.some((t) => filter.values.includes(t.value))
    default:
      return filter.values.includes(record.type)
  }
}

/** `ListSecrets`: paged, filtered; includes secrets in their deletion window. */
export const listSecrets: Operation = (params, ctx) => {
  const pageNumber = optionalInteger(params, 'PageNumber', 1, 100_000) ?? 1
  const pageSize = optionalInteger(params, 'PageSize', 1, 100) ?? 10
  const fetchTags = optionalBoolean(params, 'FetchTags') ?? false
  const filters = parseFilters(optionalJson(params, 'Filters'))
  const all = ctx.store.list().filter((r) => filters.every((f) => matches(r, f)))
  const page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize)
  return {
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: all.length,
    SecretList: {
      Secret: page.map((r) => ({
        SecretName: r.name,
        SecretType: r.type,
        CreateTime: formatTime(r.createTime),
        UpdateTime: formatTime(r.updateTime),
        ...(r.plannedDeleteTime !== undefined
          ? { PlannedDeleteTime: formatTime(r.plannedDeleteTime) }
          : {}),
        ...(fetchTags ? { Tags: tagsView(r) } : {}),
      })),
    },
  }
}

/** `DescribeSecret`: metadata only; works during the deletion window. */
export const describeSecret: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const record = ctx.store.getAny(name)
  const fetchTags = optionalBoolean(params, 'FetchTags') ?? false
  const ext = extendedConfigJson(record)
  return {
    Arn: secretArn(ctx, record.name),
    SecretName: record.name,
    SecretType: record.type,
    ...(record.encryptionKeyId !== undefined ? { EncryptionKeyId: record.encryptionKeyId } : {}),
    Description: record.description ?? '',
    CreateTime: formatTime(record.createTime),
    UpdateTime: formatTime(record.updateTime),
    ...(record.plannedDeleteTime !== undefined
      ? { PlannedDeleteTime: formatTime(record.plannedDeleteTime) }
      : {}),
    ...(ext !== undefined ? { ExtendedConfig: ext } : {}),
    ...rotationFields(record),
    ...(fetchTags ? { Tags: tagsView(record) } : {}),
  }
}

/** `ListSecretVersionIds`: versions with stages; stage-less ("deprecated") ones on request. */
export const listSecretVersionIds: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const record = ctx.store.getActive(name)
  const includeDeprecated = optionalBoolean(params, 'IncludeDeprecated') ?? false
  const pageNumber = optionalInteger(params, 'PageNumber', 1, 100_000) ?? 1
  const pageSize = optionalInteger(params, 'PageSize', 1, 100) ?? 10
  // Newest first; insertion order is creation order even when the clock stands still.
  const versions = record.versions.filter((v) => includeDeprecated || v.stages.length > 0).reverse()
  const page = versions.slice((pageNumber - 1) * pageSize, pageNumber * pageSize)
  return {
    SecretName: record.name,
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: versions.length,
    VersionIds: {
      VersionId: page.map((v) => ({
        VersionId: v.versionId,
        CreateTime: formatTime(v.createTime),
        VersionStages: { VersionStage: [...v.stages] },
      })),
    },
  }
}
