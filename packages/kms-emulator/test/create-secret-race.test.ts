import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'

let engine: FakeDatabaseEngine
let emulator: KmsEmulator

beforeEach(async () => {
  engine = new FakeDatabaseEngine()
  emulator = await startKmsEmulator({
    schedulerIntervalMs: 0,
    databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
    databaseEngineFactory: engine.factory(),
  })
})

afterEach(async () => {
  await emulator.close()
})

const createWithAccount = (secretName: string, account: string) =>
  emulator.call('CreateSecret', {
    SecretName: secretName,
    SecretType: 'Rds',
    SecretData: JSON.stringify({ Accounts: [{ AccountName: account }] }),
    ExtendedConfig: JSON.stringify({
      DBInstanceId: 'rm-local',
      SecretSubType: 'SingleUser',
      CreateAccount: true,
    }),
  })

describe('concurrent CreateSecret of one name', () => {
  it('the second request fails before touching the database; no account is orphaned', async () => {
    const gate = engine.gate('createAccount')
    const first = createWithAccount('db/app', 'first')
    await gate.started
    await expect(createWithAccount('db/app', 'second')).rejects.toMatchObject({
      code: 'Rejected.ResourceExist',
    })
    await expect(
      emulator.call('CreateSecret', { SecretName: 'db/app', VersionId: 'v1', SecretData: 'x' }),
    ).rejects.toMatchObject({ code: 'Rejected.ResourceExist' })
    expect(engine.calls.filter((c) => c.endsWith(' second'))).toEqual([])
    gate.release()
    await first
    const value = await emulator.call('GetSecretValue', { SecretName: 'db/app' })
    expect(JSON.parse(value.SecretData as string).AccountName).toBe('first')
    // Every account on the server belongs to a secret.
    expect([...engine.accounts.keys()]).toEqual(['first'])
  })

  it('a create that failed on the database frees the name', async () => {
    engine.failWith = new Error('server down')
    await expect(createWithAccount('db/app', 'app')).rejects.toMatchObject({
      code: 'InternalFailure',
    })
    engine.failWith = undefined
    await createWithAccount('db/app', 'app')
    expect([...engine.accounts.keys()]).toEqual(['app'])
  })
})
