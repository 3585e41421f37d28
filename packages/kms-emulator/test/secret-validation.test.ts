import type Kms from '@alicloud/kms20160120'
import * as $Kms from '@alicloud/kms20160120'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'
import { signedRequest } from './helpers/signed-request.js'

let emulator: KmsEmulator
let client: Kms

beforeAll(async () => {
  emulator = await startKmsEmulator({ schedulerIntervalMs: 0 })
  client = sdkClient(emulator)
  await client.createSecret(
    new $Kms.CreateSecretRequest({ secretName: 'existing', versionId: 'v1', secretData: 'x' }),
  )
})

afterAll(async () => {
  await emulator.close()
})

function create(fields: Record<string, string>) {
  return client.createSecret(
    new $Kms.CreateSecretRequest({ versionId: 'v1', secretData: 'value', ...fields }),
  )
}

function tags(n: number, key = (i: number) => `k${i}`) {
  return JSON.stringify(Array.from({ length: n }, (_, i) => ({ TagKey: key(i), TagValue: 'v' })))
}

describe('request validation with the real codes and statuses', () => {
  it('a duplicate name is Rejected.ResourceExist with HTTP 409', async () => {
    const err = await sdkError(create({ secretName: 'existing' }))
    expect(err.code).toBe('Rejected.ResourceExistError')
    expect(err.message).toContain('code: 409')
  })

  it('an unknown secret is Forbidden.ResourceNotFound with HTTP 404', async () => {
    const res = await signedRequest(emulator, {
      action: 'GetSecretValue',
      params: { SecretName: 'missing' },
    })
    expect(res.status).toBe(404)
    expect(res.body.Code).toBe('Forbidden.ResourceNotFound')
    expect(res.body.RequestId).toEqual(expect.any(String))
    expect(res.body.HostId).toEqual(expect.any(String))
    expect(res.body.Message).toEqual(expect.any(String))
  })

  it('a value of exactly 30,720 bytes is accepted, one byte more is InvalidParameter (400)', async () => {
    await create({ secretName: 'max-size', secretData: 'a'.repeat(30_720) })
    const res = await signedRequest(emulator, {
      action: 'CreateSecret',
      params: { SecretName: 'too-big', VersionId: 'v1', SecretData: 'a'.repeat(30_721) },
      asForm: true,
    })
    expect(res.status).toBe(400)
    expect(res.body.Code).toBe('InvalidParameter')
    // Multi-byte characters count as bytes, not characters.
    const err = await sdkError(
      create({ secretName: 'too-big-utf8', secretData: 'é'.repeat(15_361) }),
    )
    expect(err.code).toBe('InvalidParameterError')
  })

  it('20 tags are accepted, 21 are rejected', async () => {
    await create({ secretName: 'twenty-tags', tags: tags(20) })
    const err = await sdkError(create({ secretName: 'too-many-tags', tags: tags(21) }))
    expect(err.code).toBe('InvalidParameterError')
    const viaTagResource = await sdkError(
      client.tagResource(
        new $Kms.TagResourceRequest({ secretName: 'twenty-tags', tags: tags(1, () => 'extra') }),
      ),
    )
    expect(viaTagResource.code).toBe('Rejected.LimitExceededError')
  })

  it.each([
    ['reserved prefix aliyun', [{ TagKey: 'aliyun-owner', TagValue: 'x' }]],
    ['reserved prefix acs:', [{ TagKey: 'acs:team', TagValue: 'x' }]],
    ['key over 128 characters', [{ TagKey: 'k'.repeat(129), TagValue: 'x' }]],
    ['value over 128 characters', [{ TagKey: 'k', TagValue: 'v'.repeat(129) }]],
    ['forbidden character', [{ TagKey: 'team#1', TagValue: 'x' }]],
    ['empty key', [{ TagKey: '', TagValue: 'x' }]],
  ])('a tag with a %s is InvalidParameter', async (_why, tagList) => {
    const err = await sdkError(create({ secretName: 'bad-tag', tags: JSON.stringify(tagList) }))
    expect(err.code).toBe('InvalidParameterError')
  })

  it('tags with every documented character are accepted', async () => {
    await create({
      secretName: 'tag-chars',
      tags: JSON.stringify([{ TagKey: 'a/b\\c_d-e.f+g=h:i@j k', TagValue: 'Z9 /\\_-.+=:@' }]),
    })
  })

  it.each([['bad/name!'], ['acs/reserved'], ['x'.repeat(193)]])(
    'secret name %s is InvalidParameter',
    async (secretName) => {
      const err = await sdkError(create({ secretName }))
      expect(err.code).toBe('InvalidParameterError')
    },
  )

  it('a Generic secret needs a VersionId; bad SecretDataType and bad base64 are rejected', async () => {
    expect(
      (await sdkError(rawCall(client, 'CreateSecret', { SecretName: 'nv', SecretData: 'x' }))).code,
    ).toBe('MissingParameterError')
    expect((await sdkError(create({ secretName: 'dt', secretDataType: 'xml' }))).code).toBe(
      'InvalidParameterError',
    )
    expect(
      (await sdkError(create({ secretName: 'b64', secretDataType: 'binary', secretData: '***' })))
        .code,
    ).toBe('InvalidParameterError')
  })

  it('RecoveryWindowInDays outside 7–30 is InvalidParameter; force + window conflicts', async () => {
    for (const days of ['6', '31', 'abc']) {
      const err = await sdkError(
        client.deleteSecret(
          new $Kms.DeleteSecretRequest({ secretName: 'existing', recoveryWindowInDays: days }),
        ),
      )
      expect(err.code).toBe('InvalidParameterError')
    }
    const both = await sdkError(
      client.deleteSecret(
        new $Kms.DeleteSecretRequest({
          secretName: 'existing',
          recoveryWindowInDays: '7',
          forceDeleteWithoutRecovery: 'true',
        }),
      ),
    )
    expect(both.code).toBe('InvalidParameterError')
    const badBool = await sdkError(
      client.deleteSecret(
        new $Kms.DeleteSecretRequest({ secretName: 'existing', forceDeleteWithoutRecovery: 'yes' }),
      ),
    )
    expect(badBool.code).toBe('InvalidParameterError')
  })

  it('rotation settings are rejected for Generic secrets, RotateSecret too', async () => {
    const enable = await sdkError(
      rawCall(client, 'CreateSecret', {
        SecretName: 'gen-rot',
        VersionId: 'v1',
        SecretData: 'x',
        EnableAutomaticRotation: true,
        RotationInterval: '7d',
      }),
    )
    expect(enable.code).toBe('InvalidParameterError')
    const rotate = await sdkError(rawCall(client, 'RotateSecret', { SecretName: 'existing' }))
    expect(rotate.code).toBe('Rejected.UnsupportedOperationError')
    const policy = await sdkError(
      rawCall(client, 'UpdateSecretRotationPolicy', {
        SecretName: 'existing',
        EnableAutomaticRotation: true,
        RotationInterval: '7d',
      }),
    )
    expect(policy.code).toBe('Rejected.UnsupportedOperationError')
  })

  it('PutSecretValue may not set ACSPrevious and rejects a too-large value', async () => {
    const prev = await sdkError(
      client.putSecretValue(
        new $Kms.PutSecretValueRequest({
          secretName: 'existing',
          versionId: 'v9',
          secretData: 'y',
          versionStages: JSON.stringify(['ACSPrevious']),
        }),
      ),
    )
    expect(prev.code).toBe('InvalidParameterError')
    const big = await sdkError(
      client.putSecretValue(
        new $Kms.PutSecretValueRequest({
          secretName: 'existing',
          versionId: 'v9',
          secretData: 'a'.repeat(30_721),
        }),
      ),
    )
    expect(big.code).toBe('InvalidParameterError')
  })

  it('an unsupported Version is InvalidVersion (400)', async () => {
    const res = await signedRequest(emulator, {
      action: 'ListSecrets',
      version: '2019-01-01',
    })
    expect(res.status).toBe(400)
    expect(res.body.Code).toBe('InvalidVersion')
  })

  it('GET and form-body requests are accepted like query-string POSTs', async () => {
    const get = await signedRequest(emulator, {
      action: 'GetSecretValue',
      params: { SecretName: 'existing' },
      method: 'GET',
    })
    expect(get.status).toBe(200)
    expect(get.body.SecretData).toBe('x')
    const form = await signedRequest(emulator, {
      action: 'GetSecretValue',
      params: { SecretName: 'existing' },
      asForm: true,
    })
    expect(form.status).toBe(200)
    expect(form.body.VersionId).toBe('v1')
  })
})
