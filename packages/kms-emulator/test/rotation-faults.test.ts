import type Kms from '@alicloud/kms20160120'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KmsEmulator } from '../src/index.js'
import type { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { startFakeRdsEmulator } from './helpers/fake-rds-emulator.js'
import type { ManualClock } from './helpers/manual-clock.js'
import { rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'

let clock: ManualClock
let engine: FakeDatabaseEngine
let emulator: KmsEmulator
let client: Kms

beforeEach(async () => {
  ;({ clock, engine, emulator } = await startFakeRdsEmulator({ app: 'pw0' }, [
    { name: 'db/app', rds: { instanceId: 'rm-local', accountName: 'app', accountPassword: 'pw0' } },
  ]))
  client = sdkClient(emulator)
})

afterEach(async () => {
  await emulator.close()
})

const secretPassword = async () =>
  JSON.parse(
    (await rawCall(client, 'GetSecretValue', { SecretName: 'db/app' })).SecretData as string,
  ).AccountPassword as string

describe('rotation faults', () => {
  it('secret-ahead-of-database: KMS serves the new password before the database accepts it', async () => {
    emulator.faults.injectRotation({ mode: 'secret-ahead-of-database', windowMs: 30_000 })
    await rawCall(client, 'RotateSecret', { SecretName: 'db/app' })
    const fresh = await secretPassword()
    expect(fresh).not.toBe('pw0')
    expect(engine.accounts.get('app')?.password).toBe('pw0')
    const busy = await sdkError(rawCall(client, 'RotateSecret', { SecretName: 'db/app' }))
    expect(busy.code).toBe('Rejected.RotatingError')

    clock.advance(29_999)
    await emulator.tick()
    expect(engine.accounts.get('app')?.password).toBe('pw0')
    clock.advance(1)
    await emulator.tick()
    expect(engine.accounts.get('app')?.password).toBe(fresh)
    await rawCall(client, 'RotateSecret', { SecretName: 'db/app' })
  })

  it('database-ahead-of-secret: the database changes first, the stages move after the window', async () => {
    emulator.faults.injectRotation({ mode: 'database-ahead-of-secret', windowMs: 10_000 })
    await emulator.rotateSecret('db/app')
    const dbPassword = engine.accounts.get('app')?.password
    expect(dbPassword).not.toBe('pw0')
    expect(await secretPassword()).toBe('pw0')
    clock.advance(10_000)
    await emulator.tick()
    expect(await secretPassword()).toBe(dbPassword)
  })

  it('a rotation fault applies to the given number of rotations only', async () => {
    emulator.faults.injectRotation({ mode: 'secret-ahead-of-database', windowMs: 1000, times: 1 })
    await emulator.rotateSecret('db/app')
    clock.advance(1000)
    await emulator.tick()
    await emulator.rotateSecret('db/app')
    expect(engine.accounts.get('app')?.password).toBe(await secretPassword())
  })
})
