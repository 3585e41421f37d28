import { KmsApiError } from '../errors.js'
import { invalidParameter } from '../internal/api-errors.js'
import { formatTime } from '../internal/format-time.js'
import { optionalBoolean, optionalInteger, requiredString } from '../internal/params.js'
import type { Operation } from './operation-context.js'

const DAY_MS = 86_400_000

/**
 * `DeleteSecret`: schedules deletion after `RecoveryWindowInDays` (7–30, default 30) or, with
 * `ForceDeleteWithoutRecovery=true`, deletes at once. Never touches a database account.
 */
export const deleteSecret: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const force = optionalBoolean(params, 'ForceDeleteWithoutRecovery') ?? false
  const days = optionalInteger(params, 'RecoveryWindowInDays', 7, 30)
  if (force && days !== undefined) {
    throw invalidParameter(
      'RecoveryWindowInDays',
      'cannot be set together with ForceDeleteWithoutRecovery=true',
    )
  }
  const record = ctx.store.getAny(name)
  const now = ctx.now()
  if (force) {
    ctx.store.remove(name)
    return { SecretName: name, PlannedDeleteTime: formatTime(now) }
  }
  if (record.plannedDeleteTime !== undefined) {
    throw new KmsApiError(
      'Rejected.ResourceInDeleteWindow',
      409,
      `The secret "${name}" is already scheduled for deletion.`,
    )
  }
  record.plannedDeleteTime = now + (days ?? 30) * DAY_MS
  record.updateTime = now
  ctx.store.persist()
  return { SecretName: name, PlannedDeleteTime: formatTime(record.plannedDeleteTime) }
}

/** `RestoreSecret`: cancels a scheduled deletion. */
export const restoreSecret: Operation = (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const record = ctx.store.getAny(name)
  if (record.plannedDeleteTime === undefined) {
    throw invalidParameter('SecretName', `the secret "${name}" is not scheduled for deletion`)
  }
  delete record.plannedDeleteTime
  record.updateTime = ctx.now()
  ctx.store.persist()
  return { SecretName: name }
}
