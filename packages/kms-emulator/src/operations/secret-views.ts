import { formatTime } from '../internal/format-time.js'
import type { SecretRecord } from '../store/secret-record.js'
import type { OperationContext } from './operation-context.js'

/** The ARN the service reports for a secret. */
export function secretArn(ctx: OperationContext, name: string): string {
  return `acs:kms:${ctx.regionId}:${ctx.accountId}:secret/${name}`
}

/** Tags in the response shape `{ Tag: [{ TagKey, TagValue }] }`. */
export function tagsView(record: SecretRecord): {
  Tag: Array<{ TagKey: string; TagValue: string }>
} {
  return { Tag: record.tags.map((t) => ({ TagKey: t.key, TagValue: t.value })) }
}

/** The public `ExtendedConfig` JSON string of a managed secret. */
export function extendedConfigJson(record: SecretRecord): string | undefined {
  if (!record.rds) return undefined
  return JSON.stringify({
    SecretSubType: record.rds.subType,
    DBInstanceId: record.rds.instanceId,
    ...(record.rds.customData !== undefined ? { CustomData: record.rds.customData } : {}),
  })
}

/** `AutomaticRotation` as the service reports it; Generic secrets are `Invalid`. */
export function automaticRotationView(record: SecretRecord): 'Enabled' | 'Disabled' | 'Invalid' {
  if (record.type === 'Generic') return 'Invalid'
  return record.automaticRotation ? 'Enabled' : 'Disabled'
}

/** Rotation-related fields, each present only when it has a value. */
export function rotationFields(record: SecretRecord): Record<string, string> {
  const out: Record<string, string> = { AutomaticRotation: automaticRotationView(record) }
  if (record.rotationIntervalSec !== undefined && record.automaticRotation) {
    out.RotationInterval = `${record.rotationIntervalSec}s`
  }
  if (record.nextRotationTime !== undefined && record.automaticRotation) {
    out.NextRotationDate = formatTime(record.nextRotationTime)
  }
  if (record.lastRotationTime !== undefined)
    out.LastRotationDate = formatTime(record.lastRotationTime)
  return out
}
