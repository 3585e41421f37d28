import * as $Kms from '@alicloud/kms20160120'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { acs3Call, rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'
import { signedRequest } from './helpers/signed-request.js'

let emulator: KmsEmulator
const stsKey = {
  accessKeyId: 'STS.test-key',
  accessKeySecret: 'sts-secret',
  securityToken: 'token-123',
}

beforeAll(async () => {
  emulator = await startKmsEmulator({
    schedulerIntervalMs: 0,
    accessKeys: [{ accessKeyId: 'LTAI-main', accessKeySecret: 'main-secret' }, stsKey],
    secrets: [{ name: 'db', value: 'pw' }],
  })
})

afterAll(async () => {
  await emulator.close()
})

const isoNow = (offsetMs = 0) =>
  new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z')

describe('RPC signature v1 (1.x SDK)', () => {
  it('accepts the official SDK with the configured key', async () => {
    const res = await sdkClient(emulator).getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'db' }),
    )
    expect(res.secretData).toBe('pw')
  })

  it('a wrong secret is SignatureDoesNotMatch (400)', async () => {
    const err = await sdkError(
      sdkClient(emulator, { accessKeySecret: 'wrong' }).getSecretValue(
        new $Kms.GetSecretValueRequest({ secretName: 'db' }),
      ),
    )
    expect(err.code).toBe('SignatureDoesNotMatchError')
    expect(err.message).toContain('code: 400')
    const raw = await signedRequest(emulator, {
      action: 'GetSecretValue',
      params: { SecretName: 'db' },
      signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    })
    expect(raw.status).toBe(400)
    expect(raw.body.Code).toBe('SignatureDoesNotMatch')
    expect(JSON.stringify(raw.body)).not.toContain('pw"')
  })

  it('an unknown access key is InvalidAccessKeyId.NotFound (404)', async () => {
    const err = await sdkError(
      sdkClient(emulator, { accessKeyId: 'LTAI-nobody' }).getSecretValue(
        new $Kms.GetSecretValueRequest({ secretName: 'db' }),
      ),
    )
    expect(err.code).toBe('InvalidAccessKeyId.NotFoundError')
    const raw = await signedRequest(emulator, { action: 'ListSecrets', accessKeyId: 'LTAI-nobody' })
    expect(raw.status).toBe(404)
    expect(raw.body.Code).toBe('InvalidAccessKeyId.NotFound')
  })

  it('a timestamp more than 15 minutes off is IllegalTimestamp (400), either direction', async () => {
    for (const offset of [-16 * 60_000, 16 * 60_000]) {
      const raw = await signedRequest(emulator, {
        action: 'ListSecrets',
        timestamp: isoNow(offset),
      })
      expect(raw.status).toBe(400)
      expect(raw.body.Code).toBe('IllegalTimestamp')
    }
    const withinWindow = await signedRequest(emulator, {
      action: 'ListSecrets',
      timestamp: isoNow(-14 * 60_000),
    })
    expect(withinWindow.status).toBe(200)
    const malformed = await signedRequest(emulator, {
      action: 'ListSecrets',
      timestamp: 'yesterday',
    })
    expect(malformed.body.Code).toBe('IllegalTimestamp')
  })

  it('a reused nonce is SignatureNonceUsed (400)', async () => {
    const first = await signedRequest(emulator, { action: 'ListSecrets', nonce: 'nonce-1' })
    expect(first.status).toBe(200)
    const replay = await signedRequest(emulator, { action: 'ListSecrets', nonce: 'nonce-1' })
    expect(replay.status).toBe(400)
    expect(replay.body.Code).toBe('SignatureNonceUsed')
  })

  it('a request without Signature is IncompleteSignature (400)', async () => {
    const res = await fetch(
      `${emulator.endpoint}/?Action=ListSecrets&Version=2016-01-20&AccessKeyId=LTAI-main`,
      { method: 'POST' },
    )
    expect(res.status).toBe(400)
    expect(((await res.json()) as { Code: string }).Code).toBe('IncompleteSignature')
  })

  it('an STS key needs its security token', async () => {
    const ok = await sdkClient(emulator, stsKey).getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'db' }),
    )
    expect(ok.secretData).toBe('pw')
    const wrong = await sdkError(
      sdkClient(emulator, { ...stsKey, securityToken: 'other' }).getSecretValue(
        new $Kms.GetSecretValueRequest({ secretName: 'db' }),
      ),
    )
    expect(wrong.code).toBe('InvalidSecurityToken.MismatchWithAccessKeyError')
    const missing = await sdkError(
      rawCall(
        sdkClient(emulator, {
          accessKeyId: stsKey.accessKeyId,
          accessKeySecret: stsKey.accessKeySecret,
        }),
        'ListSecrets',
        {},
      ),
    )
    expect(missing.code).toBe('InvalidSecurityToken.MismatchWithAccessKeyError')
  })

  it('failed authentications are audited with their code', async () => {
    // Its own failures, so the test does not depend on earlier ones.
    emulator.resetCounters()
    const nonce = `audited-${Date.now()}`
    await signedRequest(emulator, {
      action: 'GetSecretValue',
      params: { SecretName: 'db' },
      signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      nonce,
    })
    await signedRequest(emulator, { action: 'ListSecrets', accessKeyId: 'LTAI-nobody' })
    expect(emulator.audit()).toEqual([
      expect.objectContaining({
        action: 'GetSecretValue',
        secretName: 'db',
        accessKeyId: undefined,
        code: 'SignatureDoesNotMatch',
        httpStatus: 400,
      }),
      expect.objectContaining({
        action: 'ListSecrets',
        accessKeyId: undefined,
        code: 'InvalidAccessKeyId.NotFound',
        httpStatus: 404,
      }),
    ])
    expect(emulator.counters('GetSecretValue')).toMatchObject({
      calls: 1,
      errors: 1,
      byCode: { SignatureDoesNotMatch: 1 },
    })
  })
})

describe('ACS3-HMAC-SHA256 (openapi-client)', () => {
  it('serves GetSecretValue, CreateSecret and RotateSecret errors over ACS3', async () => {
    const got = await acs3Call(emulator, 'GetSecretValue', { SecretName: 'db' })
    expect(got.statusCode).toBe(200)
    expect(got.body.SecretData).toBe('pw')
    const created = await acs3Call(emulator, 'CreateSecret', {
      SecretName: 'acs3-made',
      VersionId: 'v1',
      SecretData: 'v a l u e!*()',
    })
    expect(created.body.SecretName).toBe('acs3-made')
    const read = await acs3Call(emulator, 'GetSecretValue', { SecretName: 'acs3-made' })
    expect(read.body.SecretData).toBe('v a l u e!*()')
    const rotate = await sdkError(acs3Call(emulator, 'RotateSecret', { SecretName: 'db' }))
    expect(rotate.code).toBe('Rejected.UnsupportedOperation')
    expect(rotate.data?.statusCode).toBe(400)
  })

  it('rejects a wrong secret and an unknown key with the real codes', async () => {
    const bad = await sdkError(
      acs3Call(emulator, 'GetSecretValue', { SecretName: 'db' }, { accessKeySecret: 'nope' }),
    )
    expect(bad.code).toBe('SignatureDoesNotMatch')
    expect(bad.data?.statusCode).toBe(400)
    const unknown = await sdkError(
      acs3Call(emulator, 'GetSecretValue', { SecretName: 'db' }, { accessKeyId: 'who' }),
    )
    expect(unknown.code).toBe('InvalidAccessKeyId.NotFound')
    expect(unknown.data?.statusCode).toBe(404)
  })

  it('checks the STS token header', async () => {
    const ok = await acs3Call(emulator, 'ListSecrets', {}, stsKey)
    expect(ok.statusCode).toBe(200)
    const wrong = await sdkError(
      acs3Call(emulator, 'ListSecrets', {}, { ...stsKey, securityToken: 'forged' }),
    )
    expect(wrong.code).toBe('InvalidSecurityToken.MismatchWithAccessKey')
  })
})
