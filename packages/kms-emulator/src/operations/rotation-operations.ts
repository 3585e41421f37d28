import { internalFailure, unsupportedOperation } from '../internal/api-errors.js'
import { optionalString, requiredString } from '../internal/params.js'
import { readAccount } from '../rotation/rds-rotator.js'
import { ACS_CURRENT, ACS_PREVIOUS } from '../store/secret-record.js'
import type { Operation } from './operation-context.js'
import { secretArn } from './secret-views.js'

/** `RotateSecret`: rotates a managed secret now (at most 50 times per hour). */
export const rotateSecret: Operation = async (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const versionId = optionalString(params, 'VersionId')
  const record = ctx.store.getActive(name)
  const result = await ctx.rotator.rotate(record, {
    ...(versionId !== undefined ? { versionId } : {}),
    manual: true,
  })
  return { Arn: secretArn(ctx, name), VersionId: result.versionId, SecretName: name }
}

/** Result of the emulator action `CheckSecretAccount` for one staged version. */
export interface SecretAccountCheck {
  VersionId: string
  VersionStages: { VersionStage: string[] }
  AccountName: string
  LoginSucceeded: boolean
}

/**
 * Emulator action `CheckSecretAccount` (the console's "Check Account"): tries to log in with the
 * `ACSCurrent` and `ACSPrevious` credentials. `Consistent` is true when the current ones work.
 */
export const checkSecretAccount: Operation = async (params, ctx) => {
  const name = requiredString(params, 'SecretName')
  const record = ctx.store.getActive(name)
  if (!record.rds) {
    throw unsupportedOperation(`The secret "${name}" is not a managed database secret.`)
  }
  const engine = ctx.engines.get(record.rds.instanceId)
  const accounts: SecretAccountCheck[] = []
  for (const version of record.versions) {
    if (!version.stages.includes(ACS_CURRENT) && !version.stages.includes(ACS_PREVIOUS)) continue
    const { AccountName, AccountPassword } = readAccount(version)
    let ok: boolean
    try {
      ok = await engine.checkLogin(AccountName, AccountPassword)
    } catch {
      throw internalFailure('The database server could not be reached to check the account.')
    }
    accounts.push({
      VersionId: version.versionId,
      VersionStages: { VersionStage: [...version.stages] },
      AccountName,
      LoginSucceeded: ok,
    })
  }
  const current = accounts.find((a) => a.VersionStages.VersionStage.includes(ACS_CURRENT))
  return {
    SecretName: name,
    DBInstanceId: record.rds.instanceId,
    Consistent: current?.LoginSucceeded ?? false,
    Accounts: { Account: accounts },
  }
}
