import type Kms from '@alicloud/kms20160120'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type KmsEmulator, type KmsEmulatorOptions, startKmsEmulator } from '../src/index.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { DAY, HOUR, ManualClock } from './helpers/manual-clock.js'
import { rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'

let emulator: KmsEmulator | undefined
let client: Kms

afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function start(engine: FakeDatabaseEngine, options: KmsEmulatorOptions) {
  emulator = await startKmsEmulator({
    databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
    databaseEngineFactory: engine.factory(),
    ...options,
  })
  client = sdkClient(emulator)
  return emulator
}

function createRotating(interval: string) {
  return rawCall(client, 'CreateSecret', {
    SecretName: 'db/app',
    SecretType: 'Rds',
    SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'pw0' }] }),
    ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-local', SecretSubType: 'SingleUser' }),
    EnableAutomaticRotation: true,
    RotationInterval: interval,
  })
}

const current = async () =>
  rawCall(client, 'GetSecretValue', { SecretName: 'db/app', FetchExtendedConfig: true })

describe('automatic rotation', () => {
  it('fires when the interval has passed on the emulator clock, and reschedules', async () => {
    const clock = new ManualClock()
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'pw0')
    const emu = await start(engine, { clock, schedulerIntervalMs: 0 })
    await createRotating('6h')
    const created = await current()
    expect(created.AutomaticRotation).toBe('Enabled')
    expect(created.RotationInterval).toBe('21600s')
    expect(created.NextRotationDate).toBe(
      new Date(clock.now() + 6 * HOUR).toISOString().replace('.000', ''),
    )

    clock.advance(6 * HOUR - 1)
    await emu.tick()
    expect((await current()).VersionId).toBe(created.VersionId)

    clock.advance(1)
    await emu.tick()
    const rotated = await current()
    expect(rotated.VersionId).not.toBe(created.VersionId)
    expect(rotated.LastRotationDate).toBe(new Date(clock.now()).toISOString().replace('.000', ''))
    expect(rotated.NextRotationDate).toBe(
      new Date(clock.now() + 6 * HOUR).toISOString().replace('.000', ''),
    )
    expect(engine.accounts.get('app')?.password).toBe(
      JSON.parse(rotated.SecretData as string).AccountPassword,
    )
    await emu.tick()
    expect((await current()).VersionId).toBe(rotated.VersionId)
  })

  it('the scheduler timer drives rotations with a short interval when allowed', async () => {
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'pw0')
    await start(engine, { allowShortRotationInterval: true, schedulerIntervalMs: 5 })
    await createRotating('1s')
    const first = (await current()).VersionId
    await vi.waitFor(
      async () => {
        expect((await current()).VersionId).not.toBe(first)
      },
      { timeout: 5000, interval: 50 },
    )
  })

  it('rotation intervals are limited to 6 hours – 365 days unless short intervals are allowed', async () => {
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'pw0')
    await start(engine, { schedulerIntervalMs: 0 })
    for (const interval of ['21599s', '5h', '366d', '1s', '10x', '']) {
      const err = await sdkError(createRotating(interval))
      expect(err.code, interval).toMatch(/^(InvalidParameter|MissingParameter)Error$/)
    }
    await createRotating('365d')
  })

  it('UpdateSecretRotationPolicy enables, changes and disables rotation', async () => {
    const clock = new ManualClock()
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'pw0')
    const emu = await start(engine, { clock, schedulerIntervalMs: 0 })
    await createRotating('7d')
    await rawCall(client, 'UpdateSecretRotationPolicy', {
      SecretName: 'db/app',
      EnableAutomaticRotation: false,
    })
    const disabled = await current()
    expect(disabled.AutomaticRotation).toBe('Disabled')
    expect(disabled.NextRotationDate).toBeUndefined()
    clock.advance(30 * DAY)
    await emu.tick()
    expect((await current()).VersionId).toBe(disabled.VersionId)

    const outOfRange = await sdkError(
      rawCall(client, 'UpdateSecretRotationPolicy', {
        SecretName: 'db/app',
        EnableAutomaticRotation: true,
        RotationInterval: '1h',
      }),
    )
    expect(outOfRange.code).toBe('InvalidParameterError')
    await rawCall(client, 'UpdateSecretRotationPolicy', {
      SecretName: 'db/app',
      EnableAutomaticRotation: true,
      RotationInterval: '1d',
    })
    clock.advance(DAY)
    await emu.tick()
    expect((await current()).VersionId).not.toBe(disabled.VersionId)
  })

  it('a secret in its deletion window is not rotated', async () => {
    const clock = new ManualClock()
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'pw0')
    const emu = await start(engine, { clock, schedulerIntervalMs: 0 })
    await createRotating('6h')
    await rawCall(client, 'DeleteSecret', { SecretName: 'db/app', RecoveryWindowInDays: 7 })
    clock.advance(DAY)
    await emu.tick()
    expect(engine.calls.some((c) => c.startsWith('setPassword'))).toBe(false)
  })
})
