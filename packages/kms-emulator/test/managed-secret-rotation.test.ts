import type Kms from '@alicloud/kms20160120'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KmsEmulator } from '../src/index.js'
import type { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { startFakeRdsEmulator } from './helpers/fake-rds-emulator.js'
import { HOUR, type ManualClock } from './helpers/manual-clock.js'
import { acs3Call, rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'

let clock: ManualClock
let engine: FakeDatabaseEngine
let emulator: KmsEmulator
let client: Kms

beforeEach(async () => {
  ;({ clock, engine, emulator } = await startFakeRdsEmulator({ app: 'app-pw' }))
  client = sdkClient(emulator)
})

afterEach(async () => {
  await emulator.close()
})

function createRds(
  name: string,
  subType: 'SingleUser' | 'DoubleUsers',
  accounts: Array<{ AccountName: string; AccountPassword?: string }>,
  extra: Record<string, unknown> = {},
) {
  return rawCall(client, 'CreateSecret', {
    SecretName: name,
    SecretType: 'Rds',
    SecretData: JSON.stringify({ Accounts: accounts }),
    ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-local', SecretSubType: subType, ...extra }),
  })
}

async function value(name: string, stage = 'ACSCurrent') {
  const res = await rawCall(client, 'GetSecretValue', { SecretName: name, VersionStage: stage })
  return JSON.parse(res.SecretData as string) as { AccountName: string; AccountPassword: string }
}

const rotate = (name: string) => rawCall(client, 'RotateSecret', { SecretName: name })

describe('managed Rds secrets', () => {
  it('imports an existing account and returns AccountName/AccountPassword with the extended config', async () => {
    const created = await createRds('db/app', 'SingleUser', [
      { AccountName: 'app', AccountPassword: 'app-pw' },
    ])
    expect(created.SecretType).toBe('Rds')
    expect(await value('db/app')).toEqual({ AccountName: 'app', AccountPassword: 'app-pw' })
    const ext = await rawCall(client, 'GetSecretValue', {
      SecretName: 'db/app',
      FetchExtendedConfig: true,
    })
    expect(ext.SecretType).toBe('Rds')
    expect(JSON.parse(ext.ExtendedConfig as string)).toEqual({
      SecretSubType: 'SingleUser',
      DBInstanceId: 'rm-local',
    })
    expect(ext.AutomaticRotation).toBe('Disabled')
  })

  it('rejects an unknown DBInstanceId, a missing account and a malformed value', async () => {
    const unknown = await sdkError(
      rawCall(client, 'CreateSecret', {
        SecretName: 'x',
        SecretType: 'Rds',
        SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'p' }] }),
        ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-nope', SecretSubType: 'SingleUser' }),
      }),
    )
    expect(unknown.code).toBe('InvalidParameterError')
    expect(unknown.message).toContain('rm-nope')
    const missing = await sdkError(
      createRds('x', 'SingleUser', [{ AccountName: 'ghost', AccountPassword: 'p' }]),
    )
    expect(missing.code).toBe('InvalidParameterError')
    const malformed = await sdkError(
      rawCall(client, 'CreateSecret', {
        SecretName: 'x',
        SecretType: 'Rds',
        SecretData: 'not json',
        ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-local', SecretSubType: 'SingleUser' }),
      }),
    )
    expect(malformed.code).toBe('InvalidParameterError')
    const badSubType = await sdkError(
      createRds('x', 'Triple' as 'SingleUser', [{ AccountName: 'app', AccountPassword: 'p' }]),
    )
    expect(badSubType.code).toBe('InvalidParameterError')
  })

  it('SingleUser rotation resets the password via the admin connection, even if the imported one was wrong', async () => {
    await createRds('db/app', 'SingleUser', [{ AccountName: 'app', AccountPassword: 'WRONG' }])
    const before = await rawCall(client, 'CheckSecretAccount', { SecretName: 'db/app' })
    expect(before.Consistent).toBe(false)
    const rotated = await rotate('db/app')
    expect(rotated.VersionId).toEqual(expect.any(String))
    const current = await value('db/app')
    expect(current.AccountName).toBe('app')
    expect(current.AccountPassword).not.toBe('WRONG')
    expect(engine.accounts.get('app')?.password).toBe(current.AccountPassword)
    expect(await value('db/app', 'ACSPrevious')).toEqual({
      AccountName: 'app',
      AccountPassword: 'WRONG',
    })
    const after = await rawCall(client, 'CheckSecretAccount', { SecretName: 'db/app' })
    expect(after.Consistent).toBe(true)
    expect(engine.calls).toContain('setPassword app')
  })

  it('DoubleUsers: clones on the first rotation, then alternates and keeps the previous credentials valid', async () => {
    await createRds('db/app', 'DoubleUsers', [{ AccountName: 'app', AccountPassword: 'app-pw' }])
    await rotate('db/app')
    const first = await value('db/app')
    expect(first.AccountName).toBe('app_clone')
    expect(engine.calls).toContain('cloneAccount app app_clone')
    expect(engine.accounts.get('app_clone')?.grants).toEqual(engine.accounts.get('app')?.grants)
    // The previously current credentials still log in.
    expect(await value('db/app', 'ACSPrevious')).toEqual({
      AccountName: 'app',
      AccountPassword: 'app-pw',
    })
    expect(await engine.checkLogin('app', 'app-pw')).toBe(true)

    await rotate('db/app')
    const second = await value('db/app')
    expect(second.AccountName).toBe('app')
    expect(await engine.checkLogin('app', second.AccountPassword)).toBe(true)
    expect(await value('db/app', 'ACSPrevious')).toEqual(first)
    expect(await engine.checkLogin(first.AccountName, first.AccountPassword)).toBe(true)

    await rotate('db/app')
    const third = await value('db/app')
    expect(third.AccountName).toBe('app_clone')
    expect(await engine.checkLogin(second.AccountName, second.AccountPassword)).toBe(true)
    expect(engine.calls.filter((c) => c.startsWith('cloneAccount'))).toHaveLength(1)
    const check = await rawCall(client, 'CheckSecretAccount', { SecretName: 'db/app' })
    expect((check.Accounts as { Account: Array<{ LoginSucceeded: boolean }> }).Account).toEqual([
      expect.objectContaining({ AccountName: 'app', LoginSucceeded: true }),
      expect.objectContaining({ AccountName: 'app_clone', LoginSucceeded: true }),
    ])
  })

  it('DoubleUsers with two imported accounts resets the second one on the first rotation', async () => {
    engine.addAccount('app2', 'app2-pw')
    await createRds('db/app', 'DoubleUsers', [
      { AccountName: 'app', AccountPassword: 'app-pw' },
      { AccountName: 'app2', AccountPassword: 'stale' },
    ])
    await rotate('db/app')
    const current = await value('db/app')
    expect(current.AccountName).toBe('app2')
    expect(engine.accounts.get('app2')?.password).toBe(current.AccountPassword)
    expect(engine.calls.some((c) => c.startsWith('cloneAccount'))).toBe(false)
  })

  it('"Create account" creates the account with its grants and a generated password', async () => {
    await createRds('db/new', 'SingleUser', [{ AccountName: 'fresh' }], {
      CreateAccount: true,
      Databases: [{ DBName: 'shop', Privilege: 'ReadOnly' }],
    })
    const v = await value('db/new')
    expect(v.AccountName).toBe('fresh')
    expect(v.AccountPassword.length).toBeGreaterThanOrEqual(16)
    expect(engine.accounts.get('fresh')).toEqual({
      password: v.AccountPassword,
      grants: ['ReadOnly ON shop.*'],
    })
    const exists = await sdkError(
      createRds('db/again', 'SingleUser', [{ AccountName: 'fresh' }], { CreateAccount: true }),
    )
    expect(exists.code).toBe('Rejected.ResourceExistError')
  })

  it('deleting a secret never touches the database account', async () => {
    await createRds('db/app', 'SingleUser', [{ AccountName: 'app', AccountPassword: 'app-pw' }])
    const callsBefore = [...engine.calls]
    await rawCall(client, 'DeleteSecret', {
      SecretName: 'db/app',
      ForceDeleteWithoutRecovery: true,
    })
    expect(engine.calls).toEqual(callsBefore)
    expect(engine.accounts.get('app')?.password).toBe('app-pw')
  })

  it('deleting with a recovery window, restoring and purging never touch the account', async () => {
    engine.addAccount('app2', 'app2-pw')
    await createRds('db/app', 'DoubleUsers', [
      { AccountName: 'app', AccountPassword: 'app-pw' },
      { AccountName: 'app2', AccountPassword: 'app2-pw' },
    ])
    await createRds('db/other', 'SingleUser', [{ AccountName: 'app', AccountPassword: 'app-pw' }])
    const accountsBefore = JSON.stringify([...engine.accounts])
    const callsBefore = [...engine.calls]
    await rawCall(client, 'DeleteSecret', { SecretName: 'db/app', RecoveryWindowInDays: 7 })
    await rawCall(client, 'RestoreSecret', { SecretName: 'db/app' })
    await rawCall(client, 'DeleteSecret', { SecretName: 'db/app', RecoveryWindowInDays: 7 })
    await emulator.tick()
    clock.advance(8 * 24 * HOUR)
    await emulator.tick()
    await expect(emulator.call('DescribeSecret', { SecretName: 'db/app' })).rejects.toMatchObject({
      code: 'Forbidden.ResourceNotFound',
    })
    expect(engine.calls).toEqual(callsBefore)
    expect(JSON.stringify([...engine.accounts])).toBe(accountsBefore)
  })

  it('RotateSecret is limited to 50 per hour per secret', async () => {
    await createRds('db/app', 'SingleUser', [{ AccountName: 'app', AccountPassword: 'app-pw' }])
    for (let i = 0; i < 50; i++) await rotate('db/app')
    const limited = await sdkError(rotate('db/app'))
    expect(limited.code).toBe('Rejected.LimitExceededError')
    clock.advance(HOUR)
    await rotate('db/app')
  })

  it('a failing database leaves the stages untouched and answers InternalFailure (500)', async () => {
    await createRds('db/app', 'SingleUser', [{ AccountName: 'app', AccountPassword: 'app-pw' }])
    engine.failWith = new Error('connection refused')
    const err = await sdkError(acs3Call(emulator, 'RotateSecret', { SecretName: 'db/app' }))
    expect(err.code).toBe('InternalFailure')
    expect(err.data?.statusCode).toBe(500)
    expect(await value('db/app')).toEqual({ AccountName: 'app', AccountPassword: 'app-pw' })
  })

  it('RotateSecret over ACS3 with a chosen VersionId; a reused VersionId conflicts', async () => {
    await createRds('db/app', 'SingleUser', [{ AccountName: 'app', AccountPassword: 'app-pw' }])
    const res = await acs3Call(emulator, 'RotateSecret', { SecretName: 'db/app', VersionId: 'r1' })
    expect(res.body.VersionId).toBe('r1')
    expect(res.body.Arn).toBe('acs:kms:cn-hangzhou:1234567890123456:secret/db/app')
    const again = await sdkError(
      acs3Call(emulator, 'RotateSecret', { SecretName: 'db/app', VersionId: 'r1' }),
    )
    expect(again.code).toBe('Rejected.ResourceExist')
  })

  it('emulator.rotateSecret and checkSecretAccount are direct helpers', async () => {
    await createRds('db/app', 'SingleUser', [{ AccountName: 'app', AccountPassword: 'app-pw' }])
    const { versionId } = await emulator.rotateSecret('db/app')
    const current = await rawCall(client, 'GetSecretValue', { SecretName: 'db/app' })
    expect(current.VersionId).toBe(versionId)
    const check = await emulator.checkSecretAccount('db/app')
    expect(check.Consistent).toBe(true)
    expect(JSON.stringify(check)).not.toContain(
      JSON.parse(current.SecretData as string).AccountPassword,
    )
  })
})
