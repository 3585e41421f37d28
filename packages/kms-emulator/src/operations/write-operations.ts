import {
  invalidParameter,
  missingParameter,
  resourceExists,
  resourceNotFound,
  unsupportedOperation,
} from '../internal/api-errors.js'
import {
  optionalBoolean,
  optionalString,
  optionalStringList,
  requiredString,
} from '../internal/params.js'
import {
  parseDataType,
  parseRotationInterval,
  validateSecretData,
  validateVersionId,
} from '../internal/validation.js'
import { ACS_CURRENT, ACS_PREVIOUS, moveStage } from '../store/secret-record.js'
import type { Operation } from './operation-context.js'

const MAX_STAGES_PER_CALL = 10

/** `PutSecretValue`: a new version of a Generic secret; `ACSCurrent` by default. */
export const putSecretValue: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const versionId = requiredString(params, 'VersionId')
  validateVersionId(versionId)
  const data = requiredString(params, 'SecretData')
  const dataType = parseDataType(optionalString(params, 'SecretDataType'))
  validateSecretData(data, dataType)
  const stages = optionalStringList(params, 'VersionStages') ?? [ACS_CURRENT]
  if (stages.length > MAX_STAGES_PER_CALL) {
    throw invalidParameter('VersionStages', `at most ${MAX_STAGES_PER_CALL} stages`)
  }
  if (stages.includes(ACS_PREVIOUS)) {
    throw invalidParameter('VersionStages', 'ACSPrevious is managed by the service')
  }
  const record = ctx.store.getActive(name)
  if (record.type !== 'Generic') {
    throw unsupportedOperation('PutSecretValue is not supported for managed secrets; rotate them.')
  }
  const existing = record.versions.find((v) => v.versionId === versionId)
  if (existing) {
    // Same version and value is an idempotent retry; anything else is a conflict.
    if (existing.data === data && existing.dataType === dataType) {
      return {
        SecretName: name,
        VersionId: versionId,
        VersionStages: { VersionStage: [...existing.stages] },
      }
    }
    throw resourceExists(`version "${versionId}" of secret "${name}"`)
  }
  const now = ctx.now()
  const version = { versionId, createTime: now, data, dataType, stages: [] as string[] }
  record.versions.push(version)
  for (const stage of stages) moveStage(record, stage, version)
  record.updateTime = now
  ctx.store.persist()
  return {
    SecretName: name,
    VersionId: versionId,
    VersionStages: { VersionStage: [...version.stages] },
  }
}

/** `UpdateSecret`: the description (and `ExtendedConfig.CustomData` of managed secrets). */
export const updateSecret: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const description = optionalString(params, 'Description')
  if (description !== undefined && description.length > 1024) {
    throw invalidParameter('Description', 'must be at most 1024 characters')
  }
  const record = ctx.store.getActive(name)
  if (description !== undefined) record.description = description
  const customData = optionalString(params, 'ExtendedConfig.CustomData')
  if (customData !== undefined) {
    if (!record.rds) throw invalidParameter('ExtendedConfig.CustomData', 'only for managed secrets')
    try {
      record.rds.customData = JSON.parse(customData)
    } catch {
      throw invalidParameter('ExtendedConfig.CustomData', 'not valid JSON')
    }
  }
  record.updateTime = ctx.now()
  ctx.store.persist()
  return { SecretName: name }
}

/**
 * `UpdateSecretVersionStage`: moves a stage label. `ACSCurrent` can only be moved (never just
 * removed), and moving it makes the old current version `ACSPrevious`.
 */
export const updateSecretVersionStage: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const stage = requiredString(params, 'VersionStage')
  const removeFrom = optionalString(params, 'RemoveFromVersion')
  const moveTo = optionalString(params, 'MoveToVersion')
  if (removeFrom === undefined && moveTo === undefined) throw missingParameter('MoveToVersion')
  if (stage === ACS_PREVIOUS) {
    throw invalidParameter('VersionStage', 'ACSPrevious is managed by the service')
  }
  const record = ctx.store.getActive(name)
  const holder = record.versions.find((v) => v.stages.includes(stage))
  if (removeFrom !== undefined) {
    const from = record.versions.find((v) => v.versionId === removeFrom)
    if (!from) throw resourceNotFound(`version "${removeFrom}" of secret "${name}"`)
    if (from !== holder) {
      throw invalidParameter('RemoveFromVersion', `the version does not carry the stage ${stage}`)
    }
  }
  if (stage === ACS_CURRENT && moveTo === undefined) {
    throw invalidParameter('MoveToVersion', 'ACSCurrent must be moved to another version')
  }
  if (moveTo !== undefined) {
    const target = record.versions.find((v) => v.versionId === moveTo)
    if (!target) throw resourceNotFound(`version "${moveTo}" of secret "${name}"`)
    moveStage(record, stage, target)
  } else if (holder) {
    holder.stages = holder.stages.filter((s) => s !== stage)
  }
  record.updateTime = ctx.now()
  ctx.store.persist()
  return { SecretName: name }
}

/** `UpdateSecretRotationPolicy`: enables (with an interval) or disables automatic rotation. */
export const updateSecretRotationPolicy: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const enabled = optionalBoolean(params, 'EnableAutomaticRotation')
  if (enabled === undefined) throw missingParameter('EnableAutomaticRotation')
  const interval = optionalString(params, 'RotationInterval')
  const intervalSec =
    interval === undefined
      ? undefined
      : parseRotationInterval(interval, ctx.allowShortRotationInterval)
  const record = ctx.store.getActive(name)
  if (record.type === 'Generic') {
    throw unsupportedOperation(`The secret "${name}" is a Generic secret and cannot be rotated.`)
  }
  if (enabled && intervalSec === undefined && record.rotationIntervalSec === undefined) {
    throw missingParameter('RotationInterval')
  }
  const now = ctx.now()
  record.automaticRotation = enabled
  if (intervalSec !== undefined) record.rotationIntervalSec = intervalSec
  if (enabled) {
    const base = record.lastRotationTime ?? now
    record.nextRotationTime = Math.max(now, base + (record.rotationIntervalSec as number) * 1000)
  } else {
    delete record.nextRotationTime
  }
  record.updateTime = now
  ctx.store.persist()
  return { SecretName: name }
}
