import { randomUUID } from 'node:crypto'
import type { AccountPrivilege } from '../database/database-engine.js'
import { KmsApiError } from '../errors.js'
import {
  internalFailure,
  invalidParameter,
  missingParameter,
  resourceExists,
} from '../internal/api-errors.js'
import {
  optionalBoolean,
  optionalJson,
  optionalString,
  type RequestParams,
  requiredString,
} from '../internal/params.js'
import {
  MAX_DOUBLE_USERS_ACCOUNT_NAME,
  parseDataType,
  parseRotationInterval,
  parseTags,
  validateSecretData,
  validateSecretName,
  validateVersionId,
} from '../internal/validation.js'
import { generateDatabasePassword } from '../random-password.js'
import {
  ACS_CURRENT,
  type RdsSecretState,
  type RdsSecretSubType,
  type SecretRecord,
} from '../store/secret-record.js'
import type { Operation, OperationContext } from './operation-context.js'
import { secretArn } from './secret-views.js'

const PRIVILEGES: readonly AccountPrivilege[] = ['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly']

/** Parsed `ExtendedConfig` of an Rds secret, including the emulator's "Create account" extension. */
export interface RdsExtendedConfig {
  instanceId: string
  subType: RdsSecretSubType
  customData?: unknown
  createAccount: boolean
  databases: Array<{ database: string; privilege: AccountPrivilege }>
}

function parseRdsExtendedConfig(value: unknown): RdsExtendedConfig {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('ExtendedConfig', 'expected a JSON object')
  }
  const c = value as Record<string, unknown>
  if (typeof c.DBInstanceId !== 'string' || c.DBInstanceId === '') {
    throw invalidParameter('ExtendedConfig', 'DBInstanceId is required')
  }
  if (c.SecretSubType !== 'SingleUser' && c.SecretSubType !== 'DoubleUsers') {
    throw invalidParameter('ExtendedConfig', 'SecretSubType must be SingleUser or DoubleUsers')
  }
  const createAccount = c.CreateAccount === true
  const databases: RdsExtendedConfig['databases'] = []
  if (c.Databases !== undefined) {
    if (!Array.isArray(c.Databases)) {
      throw invalidParameter('ExtendedConfig', 'Databases must be an array')
    }
    for (const d of c.Databases) {
      const db = (d as { DBName?: unknown } | null)?.DBName
      const privilege = (d as { Privilege?: unknown } | null)?.Privilege ?? 'ReadWrite'
      if (typeof db !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(db)) {
        throw invalidParameter(
          'ExtendedConfig',
          'each Databases entry needs a DBName of [A-Za-z0-9_]',
        )
      }
      if (!PRIVILEGES.includes(privilege as AccountPrivilege)) {
        throw invalidParameter(
          'ExtendedConfig',
          `Privilege must be one of ${PRIVILEGES.join(', ')}`,
        )
      }
      databases.push({ database: db, privilege: privilege as AccountPrivilege })
    }
  }
  if (!createAccount && databases.length > 0) {
    throw invalidParameter('ExtendedConfig', 'Databases is only valid with CreateAccount')
  }
  return {
    instanceId: c.DBInstanceId,
    subType: c.SecretSubType,
    ...(c.CustomData !== undefined ? { customData: c.CustomData } : {}),
    createAccount,
    databases,
  }
}

const ACCOUNT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/

/** Parses `SecretData={"Accounts":[{"AccountName","AccountPassword"}]}` of an Rds secret. */
function parseRdsAccounts(
  data: string,
  subType: RdsSecretSubType,
  createAccount: boolean,
): Array<{ name: string; password: string | undefined }> {
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    throw invalidParameter('SecretData', 'an Rds secret value must be JSON with an Accounts array')
  }
  const accounts = (parsed as { Accounts?: unknown } | null)?.Accounts
  const max = subType === 'DoubleUsers' && !createAccount ? 2 : 1
  if (!Array.isArray(accounts) || accounts.length < 1 || accounts.length > max) {
    throw invalidParameter('SecretData', `Accounts must hold 1 to ${max} account(s)`)
  }
  const result = accounts.map((a) => {
    const name = (a as { AccountName?: unknown } | null)?.AccountName
    const password = (a as { AccountPassword?: unknown } | null)?.AccountPassword
    if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
      throw invalidParameter(
        'SecretData',
        'AccountName must be 1 to 32 letters, digits or _ starting with a letter',
      )
    }
    if (password !== undefined && (typeof password !== 'string' || password === '')) {
      throw invalidParameter('SecretData', 'AccountPassword must be a non-empty string')
    }
    if (password === undefined && !createAccount) {
      throw invalidParameter('SecretData', 'AccountPassword is required when importing an account')
    }
    return { name, password: password as string | undefined }
  })
  const primary = result[0] as { name: string }
  if (
    subType === 'DoubleUsers' &&
    result.length === 1 &&
    primary.name.length > MAX_DOUBLE_USERS_ACCOUNT_NAME
  ) {
    throw invalidParameter(
      'SecretData',
      `the AccountName of a DoubleUsers secret must be at most ${MAX_DOUBLE_USERS_ACCOUNT_NAME} characters, so that its second account <AccountName>_clone fits the 32-character limit`,
    )
  }
  return result
}

function parseRotation(
  params: RequestParams,
  ctx: OperationContext,
): { enabled: boolean; intervalSec?: number } {
  const enabled = optionalBoolean(params, 'EnableAutomaticRotation') ?? false
  const interval = optionalString(params, 'RotationInterval')
  if (!enabled) return { enabled }
  if (interval === undefined) throw missingParameter('RotationInterval')
  return { enabled, intervalSec: parseRotationInterval(interval, ctx.allowShortRotationInterval) }
}

/** Wraps a database failure without its message (which could echo SQL). */
async function onDatabase<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (err instanceof KmsApiError) throw err
    throw internalFailure(`The database server failed to ${what}.`)
  }
}

/**
 * `CreateSecret` for Generic (text/binary) and Rds secrets. Rds secrets import an existing account
 * (checked to exist) or, with the emulator extension `ExtendedConfig.CreateAccount=true` and
 * `Databases=[{DBName,Privilege}]`, create it with a generated password unless one is given.
 */
export const createSecret: Operation = async (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  validateSecretName(name)
  const type = optionalString(params, 'SecretType') ?? 'Generic'
  if (type !== 'Generic' && type !== 'Rds') {
    throw invalidParameter('SecretType', 'the emulator supports Generic and Rds secrets')
  }
  const data = requiredString(params, 'SecretData')
  const dataType = parseDataType(optionalString(params, 'SecretDataType'))
  validateSecretData(data, dataType)
  let versionId = optionalString(params, 'VersionId')
  if (versionId === undefined) {
    if (type === 'Generic') throw missingParameter('VersionId')
    versionId = randomUUID().replaceAll('-', '')
  }
  validateVersionId(versionId)
  const tagsJson = optionalJson(params, 'Tags')
  const tags = tagsJson === undefined ? [] : parseTags(tagsJson)
  const rotation = parseRotation(params, ctx)
  const description = optionalString(params, 'Description')
  if (description !== undefined && description.length > 1024) {
    throw invalidParameter('Description', 'must be at most 1024 characters')
  }
  // Reserved until the record is stored: a concurrent CreateSecret of the same name fails before
  // it creates a database account that nothing would own.
  const release = ctx.store.reserve(name)
  try {
    const now = ctx.now()
    let storedData = data
    let rds: RdsSecretState | undefined
    if (type === 'Generic') {
      if (rotation.enabled) {
        throw invalidParameter(
          'EnableAutomaticRotation',
          'Generic secrets do not rotate automatically',
        )
      }
      if (optionalString(params, 'ExtendedConfig') !== undefined) {
        throw invalidParameter('ExtendedConfig', 'only managed secrets take an ExtendedConfig')
      }
    } else {
      if (dataType !== 'text') throw invalidParameter('SecretDataType', 'an Rds secret is text')
      const ext = optionalJson(params, 'ExtendedConfig')
      if (ext === undefined) throw missingParameter('ExtendedConfig')
      const config = parseRdsExtendedConfig(ext)
      const accounts = parseRdsAccounts(data, config.subType, config.createAccount)
      const engine = ctx.engines.get(config.instanceId)
      const primary = accounts[0] as { name: string; password: string | undefined }
      let password = primary.password
      if (config.createAccount) {
        const exists = await onDatabase('look up the account', () =>
          engine.accountExists(primary.name),
        )
        if (exists) throw resourceExists(`account "${primary.name}" on ${config.instanceId}`)
        password ??= generateDatabasePassword()
        const created = password
        await onDatabase('create the account', () =>
          engine.createAccount(primary.name, created, config.databases),
        )
      } else {
        for (const a of accounts) {
          const exists = await onDatabase('look up the account', () => engine.accountExists(a.name))
          if (!exists) {
            throw invalidParameter(
              'SecretData',
              `the account "${a.name}" does not exist on ${config.instanceId}`,
            )
          }
        }
      }
      storedData = JSON.stringify({ AccountName: primary.name, AccountPassword: password })
      rds = {
        instanceId: config.instanceId,
        subType: config.subType,
        accounts: accounts.map((a) => a.name),
        // An imported second account exists already; otherwise the first rotation clones one.
        secondaryReady: accounts.length > 1,
        ...(config.customData !== undefined ? { customData: config.customData } : {}),
      }
    }

    const record: SecretRecord = {
      name,
      type,
      ...(description !== undefined ? { description } : {}),
      ...(optionalString(params, 'EncryptionKeyId') !== undefined
        ? { encryptionKeyId: optionalString(params, 'EncryptionKeyId') as string }
        : {}),
      createTime: now,
      updateTime: now,
      tags,
      versions: [{ versionId, createTime: now, data: storedData, dataType, stages: [ACS_CURRENT] }],
      automaticRotation: rotation.enabled,
      ...(rotation.intervalSec !== undefined
        ? {
            rotationIntervalSec: rotation.intervalSec,
            nextRotationTime: now + rotation.intervalSec * 1000,
          }
        : {}),
      rotationHistory: [],
      ...(rds ? { rds } : {}),
    }
    ctx.store.add(record)
    return { Arn: secretArn(ctx, name), VersionId: versionId, SecretName: name, SecretType: type }
  } finally {
    release()
  }
}
