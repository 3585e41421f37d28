import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { KmsEmulatorError, type KmsEmulatorOptions, startKmsEmulator } from '../src/index.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'

// An initial Rds secret stands for a database account: the emulator checks it (or creates it)
// before it listens, so a typo in a config file is an error at start, not 30 s of failed logins.

const PASSWORD = 'configured-pw-7'

function options(engine: FakeDatabaseEngine, rds: Record<string, unknown>): KmsEmulatorOptions {
  return {
    schedulerIntervalMs: 0,
    databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
    databaseEngineFactory: engine.factory(),
    secrets: [
      {
        name: 'db/app',
        rds: { instanceId: 'rm-local', accountName: 'app', ...rds } as never,
      },
    ],
  }
}

async function startError(opts: KmsEmulatorOptions): Promise<KmsEmulatorError> {
  const err = await startKmsEmulator(opts).then(
    async (emulator) => {
      await emulator.close()
      throw new Error('started')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsEmulatorError)
  return err as KmsEmulatorError
}

describe('initial Rds secrets', () => {
  it('an imported account that does not exist stops the start with ACCOUNT_NOT_FOUND', async () => {
    const engine = new FakeDatabaseEngine()
    const err = await startError(options(engine, { accountPassword: PASSWORD }))
    expect(err.code).toBe('ACCOUNT_NOT_FOUND')
    expect(err.message).toContain('initial secret db/app')
    expect(err.message).toContain('"app"')
    expect(err.message).toContain('createAccount')
    expect(inspect(err)).not.toContain(PASSWORD)
    // Nothing stays open behind the failed start.
    expect(engine.closed).toBe(true)
  })

  it('an imported account that rejects the password stops the start with ACCOUNT_LOGIN_FAILED', async () => {
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'the-real-one')
    const err = await startError(options(engine, { accountPassword: PASSWORD }))
    expect(err.code).toBe('ACCOUNT_LOGIN_FAILED')
    expect(inspect(err)).not.toContain(PASSWORD)
    expect(inspect(err)).not.toContain('the-real-one')
  })

  it('an imported account that logs in serves its credentials', async () => {
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', PASSWORD)
    const emulator = await startKmsEmulator(options(engine, { accountPassword: PASSWORD }))
    try {
      const value = await emulator.call('GetSecretValue', { SecretName: 'db/app' })
      expect(JSON.parse(String(value.SecretData))).toEqual({
        AccountName: 'app',
        AccountPassword: PASSWORD,
      })
    } finally {
      await emulator.close()
    }
  })

  it('createAccount creates the account with its grants, or sets the password of one left over', async () => {
    const engine = new FakeDatabaseEngine()
    const opts = options(engine, {
      accountPassword: PASSWORD,
      createAccount: true,
      databases: [{ name: 'shop', privilege: 'ReadOnly' }],
    })
    await (await startKmsEmulator(opts)).close()
    expect(engine.accounts.get('app')).toEqual({
      password: PASSWORD,
      grants: ['ReadOnly ON shop.*'],
    })
    expect(engine.calls.filter((c) => c.startsWith('createAccount'))).toHaveLength(1)

    // A second start without a state file (the password rotated meanwhile) takes it over again.
    const again = new FakeDatabaseEngine()
    again.accounts.set('app', { password: 'rotated', grants: [] })
    await (await startKmsEmulator(options(again, opts.secrets?.[0]?.rds as never))).close()
    expect(again.accounts.get('app')?.password).toBe(PASSWORD)
    expect(again.calls.some((c) => c.startsWith('createAccount'))).toBe(false)
  })

  it('createAccount without a password generates one and serves it', async () => {
    const engine = new FakeDatabaseEngine()
    const emulator = await startKmsEmulator(options(engine, { createAccount: true }))
    try {
      const value = await emulator.call('GetSecretValue', { SecretName: 'db/app' })
      const password = JSON.parse(String(value.SecretData)).AccountPassword as string
      expect(password.length).toBeGreaterThanOrEqual(16)
      expect(engine.accounts.get('app')?.password).toBe(password)
    } finally {
      await emulator.close()
    }
  })

  it('a database that cannot be reached stops the start with DATABASE_UNAVAILABLE', async () => {
    const engine = new FakeDatabaseEngine()
    engine.accountExists = async () => {
      throw new Error(`ECONNREFUSED while logging in with ${PASSWORD}`)
    }
    const err = await startError(options(engine, { accountPassword: PASSWORD }))
    expect(err.code).toBe('DATABASE_UNAVAILABLE')
    expect(err.message).toContain('could not look it up')
    // Only the engine's own errors are quoted; anything else could hold a statement.
    expect(err.message).not.toContain(PASSWORD)
  })

  it('invalid rds blocks are INVALID_OPTIONS, and nothing is created for them', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'accountPassword is required'],
      [{ accountPassword: '' }, 'non-empty'],
      [{ accountPassword: PASSWORD, databases: [{ name: 'shop' }] }, 'only valid with'],
      [{ createAccount: 'yes' }, 'true or false'],
      [{ createAccount: true, databases: [{ name: 'bad name' }] }, 'databases entry'],
      [{ createAccount: true, databases: [{ name: 'shop', privilege: 'All' }] }, 'privilege'],
      [{ createAccount: true, accountName: 'bad-name' }, 'accountName'],
    ]
    for (const [rds, message] of cases) {
      const engine = new FakeDatabaseEngine()
      const err = await startError(options(engine, rds))
      expect(err.code, JSON.stringify(rds)).toBe('INVALID_OPTIONS')
      expect(err.message).toContain(message)
      expect(engine.calls).toEqual([])
    }
  })

  it('a secret declared twice is INVALID_OPTIONS', async () => {
    const err = await startError({
      schedulerIntervalMs: 0,
      secrets: [
        { name: 'same', value: 'a' },
        { name: 'same', value: 'b' },
      ],
    })
    expect(err.code).toBe('INVALID_OPTIONS')
    expect(err.message).toContain('declared twice')
  })
})
