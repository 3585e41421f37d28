import { KmsApiError, KmsEmulatorError } from '../errors.js'
import type { InitialSecret } from '../kms-emulator-options.js'
import { ACS_CURRENT, type SecretRecord } from '../store/secret-record.js'
import {
  MAX_DOUBLE_USERS_ACCOUNT_NAME,
  parseRotationInterval,
  validateSecretData,
  validateSecretName,
  validateTag,
  validateVersionId,
} from './validation.js'

/**
 * Turns an {@link InitialSecret} into a record, with the same validation as the API; failures
 * become `INVALID_OPTIONS` errors naming the secret.
 */
export function initialSecretRecord(
  secret: InitialSecret,
  now: number,
  databases: Readonly<Record<string, unknown>>,
  allowShortRotationInterval: boolean,
): SecretRecord {
  const fail = (why: string) =>
    new KmsEmulatorError('INVALID_OPTIONS', `initial secret ${String(secret?.name)}: ${why}`)
  try {
    if (!secret || typeof secret.name !== 'string') throw fail('name is required')
    validateSecretName(secret.name)
    const versionId = secret.versionId ?? 'v1'
    validateVersionId(versionId)
    const dataType = secret.dataType ?? 'text'
    if (dataType !== 'text' && dataType !== 'binary') throw fail('dataType must be text or binary')
    const tags = Object.entries(secret.tags ?? {}).map(([key, value]) => ({ key, value }))
    for (const t of tags) validateTag(t.key, t.value)
    if (tags.length > 20) throw fail('at most 20 tags')
    let data: string
    const record: Partial<SecretRecord> = {}
    if (secret.rds) {
      const { instanceId, accountName, accountPassword } = secret.rds
      const subType = secret.rds.subType ?? 'SingleUser'
      if (!Object.hasOwn(databases, instanceId)) throw fail(`unknown database ${instanceId}`)
      if (subType !== 'SingleUser' && subType !== 'DoubleUsers') {
        throw fail('rds.subType must be SingleUser or DoubleUsers')
      }
      if (typeof accountName !== 'string' || typeof accountPassword !== 'string') {
        throw fail('rds.accountName and rds.accountPassword are required')
      }
      if (subType === 'DoubleUsers' && accountName.length > MAX_DOUBLE_USERS_ACCOUNT_NAME) {
        throw fail(
          `rds.accountName of a DoubleUsers secret must be at most ${MAX_DOUBLE_USERS_ACCOUNT_NAME} characters (its clone is <accountName>_clone)`,
        )
      }
      if (secret.value !== undefined) throw fail('an Rds secret takes rds, not value')
      data = JSON.stringify({ AccountName: accountName, AccountPassword: accountPassword })
      record.rds = { instanceId, subType, accounts: [accountName], secondaryReady: false }
    } else {
      if (typeof secret.value !== 'string') throw fail('value is required')
      if (secret.rotationInterval !== undefined) throw fail('only Rds secrets rotate')
      data = secret.value
    }
    validateSecretData(data, dataType)
    const intervalSec =
      secret.rotationInterval === undefined
        ? undefined
        : parseRotationInterval(secret.rotationInterval, allowShortRotationInterval)
    return {
      name: secret.name,
      type: secret.rds ? 'Rds' : 'Generic',
      ...(secret.description !== undefined ? { description: secret.description } : {}),
      createTime: now,
      updateTime: now,
      tags,
      versions: [{ versionId, createTime: now, data, dataType, stages: [ACS_CURRENT] }],
      automaticRotation: intervalSec !== undefined,
      ...(intervalSec !== undefined
        ? { rotationIntervalSec: intervalSec, nextRotationTime: now + intervalSec * 1000 }
        : {}),
      rotationHistory: [],
      ...record,
    }
  } catch (err) {
    if (err instanceof KmsApiError) throw fail(err.message)
    throw err
  }
}
