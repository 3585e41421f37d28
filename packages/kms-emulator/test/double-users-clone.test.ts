import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'

/** A clone that fails half-way the first time: the account exists, the call still rejects. */
class HalfFailingCloneEngine extends FakeDatabaseEngine {
  failNextClone = true

  override async cloneAccount(source: string, clone: string, password: string): Promise<void> {
    await super.cloneAccount(source, clone, password)
    if (this.failNextClone) {
      this.failNextClone = false
      throw new Error('connection lost after CREATE USER')
    }
  }
}

let engine: FakeDatabaseEngine
let emulator: KmsEmulator

async function start(withEngine: FakeDatabaseEngine = new FakeDatabaseEngine()) {
  engine = withEngine
  engine.addAccount('app', 'app-pw')
  emulator = await startKmsEmulator({
    schedulerIntervalMs: 0,
    databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
    databaseEngineFactory: engine.factory(),
  })
}

afterEach(async () => {
  await emulator.close()
})

const createDoubleUsers = (accountName: string, password = 'app-pw') =>
  emulator.call('CreateSecret', {
    SecretName: 'db/app',
    SecretType: 'Rds',
    SecretData: JSON.stringify({
      Accounts: [{ AccountName: accountName, AccountPassword: password }],
    }),
    ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-local', SecretSubType: 'DoubleUsers' }),
  })

const current = async () =>
  JSON.parse(
    (await emulator.call('GetSecretValue', { SecretName: 'db/app' })).SecretData as string,
  ) as { AccountName: string; AccountPassword: string }

describe('DoubleUsers account names', () => {
  beforeEach(() => start())

  it('rejects an account name longer than 26 characters, naming the limit', async () => {
    const long = `a${'b'.repeat(26)}`
    engine.addAccount(long, 'pw')
    const err = await createDoubleUsers(long, 'pw').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'InvalidParameter', httpStatus: 400 })
    expect((err as Error).message).toContain('at most 26 characters')
    expect(await emulator.call('ListSecrets')).toMatchObject({ TotalCount: 0 })
  })

  it('accepts 26 characters: the clone name has exactly 32', async () => {
    const name = `a${'b'.repeat(25)}`
    engine.addAccount(name, 'pw')
    await createDoubleUsers(name, 'pw')
    await emulator.rotateSecret('db/app')
    expect((await current()).AccountName).toBe(`${name}_clone`)
    expect(`${name}_clone`).toHaveLength(32)
  })

  it('an initial DoubleUsers secret with a longer name fails start-up', async () => {
    await expect(
      startKmsEmulator({
        schedulerIntervalMs: 0,
        databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
        databaseEngineFactory: engine.factory(),
        secrets: [
          {
            name: 'db/long',
            rds: {
              instanceId: 'rm-local',
              subType: 'DoubleUsers',
              accountName: 'x'.repeat(27),
              accountPassword: 'pw',
            },
          },
        ],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })
})

describe('the first DoubleUsers rotation and an existing <name>_clone', () => {
  it('refuses to take over an unrelated account of the clone name', async () => {
    await start()
    engine.addAccount('app_clone', 'someone-elses-pw', ['SELECT ON other.*'])
    await createDoubleUsers('app')
    const err = await emulator.rotateSecret('db/app').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'Rejected.ResourceExist' })
    expect((err as Error).message).toContain('"app_clone" already exists')
    expect(engine.calls.some((c) => c.startsWith('cloneAccount'))).toBe(false)
    expect(engine.accounts.get('app_clone')).toEqual({
      password: 'someone-elses-pw',
      grants: ['SELECT ON other.*'],
    })
    expect(await current()).toEqual({ AccountName: 'app', AccountPassword: 'app-pw' })
    // Still refused on the next try: the name was not recorded as this secret's.
    await expect(emulator.rotateSecret('db/app')).rejects.toMatchObject({
      code: 'Rejected.ResourceExist',
    })
  })

  it('a first rotation that failed half-way is retried on the clone it recorded', async () => {
    await start(new HalfFailingCloneEngine())
    await createDoubleUsers('app')
    await expect(emulator.rotateSecret('db/app')).rejects.toMatchObject({
      code: 'InternalFailure',
    })
    expect(engine.accounts.has('app_clone')).toBe(true)
    await emulator.rotateSecret('db/app')
    const now = await current()
    expect(now.AccountName).toBe('app_clone')
    expect(engine.accounts.get('app_clone')?.password).toBe(now.AccountPassword)
    expect(engine.calls.filter((c) => c.startsWith('cloneAccount'))).toHaveLength(2)
  })
})

describe('the hourly rotation limit', () => {
  it('counts only rotations that happened, not failed ones', async () => {
    await start()
    await emulator.call('CreateSecret', {
      SecretName: 'db/single',
      SecretType: 'Rds',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'p' }] }),
      ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-local', SecretSubType: 'SingleUser' }),
    })
    engine.failWith = new Error('down')
    for (let i = 0; i < 50; i++) {
      await expect(
        emulator.call('RotateSecret', { SecretName: 'db/single' }),
      ).rejects.toMatchObject({ code: 'InternalFailure' })
    }
    engine.failWith = undefined
    for (let i = 0; i < 50; i++) await emulator.call('RotateSecret', { SecretName: 'db/single' })
    await expect(emulator.call('RotateSecret', { SecretName: 'db/single' })).rejects.toMatchObject({
      code: 'Rejected.LimitExceeded',
    })
  })
})
