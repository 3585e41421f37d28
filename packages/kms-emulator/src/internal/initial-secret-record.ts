import type { AccountPrivilege } from '../database/database-engine.js'
import { KmsApiError, KmsEmulatorError } from '../errors.js'
import type { InitialSecret } from '../kms-emulator-options.js'
import { generateDatabasePassword } from '../random-password.js'
import { ACS_CURRENT, type SecretRecord } from '../store/secret-record.js'
import {
  MAX_DOUBLE_USERS_ACCOUNT_NAME,
  parseRotationInterval,
  validateSecretData,
  validateSecretName,
  validateTag,
  validateVersionId,
} from './validation.js'

const PRIVILEGES: readonly AccountPrivilege[] = ['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly']
const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/

/** The database account an initial Rds secret stands for, checked or created at start-up. */
export interface InitialAccount {
  secretName: string
  instanceId: string
  name: string
  password: string
  create: boolean
  grants: Array<{ database: string; privilege: AccountPrivilege }>
}

/**
 * Turns an {@link InitialSecret} into a record (and, for an Rds secret, the account to check or
 * create), with the same validation as the API; failures become `INVALID_OPTIONS` errors naming
 * the secret.
 */
export function initialSecretRecord(
  secret: InitialSecret,
  now: number,
  databases: Readonly<Record<string, unknown>>,
  allowShortRotationInterval: boolean,
): { record: SecretRecord; account?: InitialAccount } {
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
    let account: InitialAccount | undefined
    if (secret.rds) {
      const { instanceId, accountName } = secret.rds
      const create = secret.rds.createAccount ?? false
      if (typeof create !== 'boolean') throw fail('rds.createAccount must be true or false')
      const subType = secret.rds.subType ?? 'SingleUser'
      if (!Object.hasOwn(databases, instanceId)) throw fail(`unknown database ${instanceId}`)
      if (subType !== 'SingleUser' && subType !== 'DoubleUsers') {
        throw fail('rds.subType must be SingleUser or DoubleUsers')
      }
      if (typeof accountName !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(accountName)) {
        throw fail('rds.accountName must be 1 to 32 letters, digits or _ starting with a letter')
      }
      const given = secret.rds.accountPassword
      if (given !== undefined && (typeof given !== 'string' || given === '')) {
        throw fail('rds.accountPassword must be a non-empty string')
      }
      if (given === undefined && !create) {
        throw fail(
          'rds.accountPassword is required to import an account (or set rds.createAccount)',
        )
      }
      const accountPassword = given ?? generateDatabasePassword()
      const grants = initialGrants(secret.rds.databases, create, fail)
      if (subType === 'DoubleUsers' && accountName.length > MAX_DOUBLE_USERS_ACCOUNT_NAME) {
        throw fail(
          `rds.accountName of a DoubleUsers secret must be at most ${MAX_DOUBLE_USERS_ACCOUNT_NAME} characters (its clone is <accountName>_clone)`,
        )
      }
      if (secret.value !== undefined) throw fail('an Rds secret takes rds, not value')
      data = JSON.stringify({ AccountName: accountName, AccountPassword: accountPassword })
      record.rds = { instanceId, subType, accounts: [accountName], secondaryReady: false }
      account = {
        secretName: secret.name,
        instanceId,
        name: accountName,
        password: accountPassword,
        create,
        grants,
      }
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
    const result: SecretRecord = {
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
    return account ? { record: result, account } : { record: result }
  } catch (err) {
    if (err instanceof KmsApiError) throw fail(err.message)
    throw err
  }
}

function initialGrants(
  databases: unknown,
  create: boolean,
  fail: (why: string) => Error,
): InitialAccount['grants'] {
  if (databases === undefined) return []
  if (!create) throw fail('rds.databases is only valid with rds.createAccount')
  if (!Array.isArray(databases)) throw fail('rds.databases must be an array')
  return databases.map((d: unknown) => {
    const name = (d as { name?: unknown } | null)?.name
    const privilege = (d as { privilege?: unknown } | null)?.privilege ?? 'ReadWrite'
    if (typeof name !== 'string' || !DATABASE_NAME.test(name)) {
      throw fail('each rds.databases entry needs a name of 1 to 64 letters, digits or _')
    }
    if (!PRIVILEGES.includes(privilege as AccountPrivilege)) {
      throw fail(`rds.databases privilege must be one of ${PRIVILEGES.join(', ')}`)
    }
    return { database: name, privilege: privilege as AccountPrivilege }
  })
}
