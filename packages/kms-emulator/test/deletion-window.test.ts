import type Kms from '@alicloud/kms20160120'
import * as $Kms from '@alicloud/kms20160120'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { DAY, ManualClock } from './helpers/manual-clock.js'
import { rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'

let clock: ManualClock
let emulator: KmsEmulator
let client: Kms

beforeEach(async () => {
  clock = new ManualClock()
  emulator = await startKmsEmulator({
    clock,
    schedulerIntervalMs: 0,
    secrets: [{ name: 'doomed', value: 'v' }],
  })
  client = sdkClient(emulator)
})

afterEach(async () => {
  await emulator.close()
})

const get = () => client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 'doomed' }))

describe('scheduled deletion and restore', () => {
  it('defaults to a 30-day window and returns PlannedDeleteTime', async () => {
    const res = await client.deleteSecret(new $Kms.DeleteSecretRequest({ secretName: 'doomed' }))
    expect(res.plannedDeleteTime).toBe(
      new Date(clock.now() + 30 * DAY).toISOString().replace('.000', ''),
    )
  })

  it('rejects reads in the window with Rejected.ResourceInDeleteWindow (409), describes and lists it', async () => {
    await client.deleteSecret(
      new $Kms.DeleteSecretRequest({ secretName: 'doomed', recoveryWindowInDays: '7' }),
    )
    const err = await sdkError(get())
    expect(err.code).toBe('Rejected.ResourceInDeleteWindowError')
    expect(err.message).toContain('code: 409')
    const described = await client.describeSecret(
      new $Kms.DescribeSecretRequest({ secretName: 'doomed' }),
    )
    expect(described.plannedDeleteTime).toBeTruthy()
    const listed = await client.listSecrets(new $Kms.ListSecretsRequest({}))
    expect(listed.secretList?.secret?.[0]?.plannedDeleteTime).toBeTruthy()
    const put = await sdkError(
      client.putSecretValue(
        new $Kms.PutSecretValueRequest({ secretName: 'doomed', versionId: 'v2', secretData: 'x' }),
      ),
    )
    expect(put.code).toBe('Rejected.ResourceInDeleteWindowError')
    const create = await sdkError(
      client.createSecret(
        new $Kms.CreateSecretRequest({ secretName: 'doomed', versionId: 'v1', secretData: 'x' }),
      ),
    )
    expect(create.code).toBe('Rejected.ResourceExistError')
  })

  it('can be restored until the window ends, then reads work again', async () => {
    await client.deleteSecret(
      new $Kms.DeleteSecretRequest({ secretName: 'doomed', recoveryWindowInDays: '7' }),
    )
    clock.advance(7 * DAY - 1)
    await emulator.tick()
    await client.restoreSecret(new $Kms.RestoreSecretRequest({ secretName: 'doomed' }))
    expect((await get()).secretData).toBe('v')
    const again = await sdkError(
      client.restoreSecret(new $Kms.RestoreSecretRequest({ secretName: 'doomed' })),
    )
    expect(again.code).toBe('InvalidParameterError')
  })

  it('is gone once the window has passed: not found, not restorable, name reusable', async () => {
    await client.deleteSecret(
      new $Kms.DeleteSecretRequest({ secretName: 'doomed', recoveryWindowInDays: '7' }),
    )
    clock.advance(7 * DAY)
    await emulator.tick()
    expect((await sdkError(get())).code).toBe('Forbidden.ResourceNotFoundError')
    const restore = await sdkError(
      client.restoreSecret(new $Kms.RestoreSecretRequest({ secretName: 'doomed' })),
    )
    expect(restore.code).toBe('Forbidden.ResourceNotFoundError')
    const listed = await rawCall(client, 'ListSecrets', {})
    expect(listed.TotalCount).toBe(0)
    await client.createSecret(
      new $Kms.CreateSecretRequest({ secretName: 'doomed', versionId: 'v1', secretData: 'new' }),
    )
    expect((await get()).secretData).toBe('new')
  })

  it('ForceDeleteWithoutRecovery deletes at once, also from inside a window', async () => {
    await client.deleteSecret(new $Kms.DeleteSecretRequest({ secretName: 'doomed' }))
    await client.deleteSecret(
      new $Kms.DeleteSecretRequest({ secretName: 'doomed', forceDeleteWithoutRecovery: 'true' }),
    )
    expect((await sdkError(get())).code).toBe('Forbidden.ResourceNotFoundError')
    const restore = await sdkError(
      client.restoreSecret(new $Kms.RestoreSecretRequest({ secretName: 'doomed' })),
    )
    expect(restore.code).toBe('Forbidden.ResourceNotFoundError')
  })
})
