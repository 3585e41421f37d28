import type Kms from '@alicloud/kms20160120'
import * as $Kms from '@alicloud/kms20160120'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'

let emulator: KmsEmulator
let client: Kms

beforeEach(async () => {
  emulator = await startKmsEmulator({ schedulerIntervalMs: 0 })
  client = sdkClient(emulator)
  await client.createSecret(
    new $Kms.CreateSecretRequest({
      secretName: 'app/api-key',
      versionId: 'v1',
      secretData: 'first',
      description: 'api key',
      tags: JSON.stringify([{ TagKey: 'team', TagValue: 'payments' }]),
    }),
  )
})

afterEach(async () => {
  await emulator.close()
})

describe('secret operations through the official 1.x SDK', () => {
  it('GetSecretValue returns the ACSCurrent version with its stages', async () => {
    const res = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'app/api-key' }),
    )
    expect(res.secretName).toBe('app/api-key')
    expect(res.versionId).toBe('v1')
    expect(res.secretData).toBe('first')
    expect(res.secretDataType).toBe('text')
    expect(res.versionStages?.versionStage).toEqual(['ACSCurrent'])
    expect(res.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(res.requestId).toMatch(/^[0-9A-F-]{36}$/)
  })

  it('FetchExtendedConfig returns SecretType and AutomaticRotation (raw map)', async () => {
    const raw = await rawCall(client, 'GetSecretValue', {
      SecretName: 'app/api-key',
      FetchExtendedConfig: true,
    })
    expect(raw.SecretType).toBe('Generic')
    expect(raw.AutomaticRotation).toBe('Invalid')
    const plain = await rawCall(client, 'GetSecretValue', { SecretName: 'app/api-key' })
    expect(plain.SecretType).toBeUndefined()
  })

  it('PutSecretValue moves ACSCurrent and makes the old version ACSPrevious', async () => {
    const put = await client.putSecretValue(
      new $Kms.PutSecretValueRequest({
        secretName: 'app/api-key',
        versionId: 'v2',
        secretData: 'second',
      }),
    )
    expect(put.versionStages?.versionStage).toEqual(['ACSCurrent'])
    const current = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'app/api-key' }),
    )
    expect(current.secretData).toBe('second')
    const previous = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'app/api-key', versionStage: 'ACSPrevious' }),
    )
    expect(previous.versionId).toBe('v1')
    expect(previous.secretData).toBe('first')
    const byId = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'app/api-key', versionId: 'v1' }),
    )
    expect(byId.versionStages?.versionStage).toEqual(['ACSPrevious'])
  })

  it('PutSecretValue with an existing VersionId: same value is idempotent, other value conflicts', async () => {
    const same = await client.putSecretValue(
      new $Kms.PutSecretValueRequest({
        secretName: 'app/api-key',
        versionId: 'v1',
        secretData: 'first',
      }),
    )
    expect(same.versionId).toBe('v1')
    const err = await sdkError(
      client.putSecretValue(
        new $Kms.PutSecretValueRequest({
          secretName: 'app/api-key',
          versionId: 'v1',
          secretData: 'x',
        }),
      ),
    )
    expect(err.code).toBe('Rejected.ResourceExistError')
  })

  it('a binary secret round-trips as base64', async () => {
    const data = Buffer.from([0, 1, 2, 250]).toString('base64')
    await client.createSecret(
      new $Kms.CreateSecretRequest({
        secretName: 'bin',
        versionId: 'v1',
        secretData: data,
        secretDataType: 'binary',
      }),
    )
    const res = await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 'bin' }))
    expect(res.secretDataType).toBe('binary')
    expect(Buffer.from(res.secretData ?? '', 'base64')).toEqual(Buffer.from([0, 1, 2, 250]))
  })

  it('DescribeSecret returns metadata, tags on request and the ARN', async () => {
    const res = await client.describeSecret(
      new $Kms.DescribeSecretRequest({ secretName: 'app/api-key', fetchTags: 'true' }),
    )
    expect(res.arn).toBe(`acs:kms:cn-hangzhou:1234567890123456:secret/app/api-key`)
    expect(res.description).toBe('api key')
    expect(res.tags?.tag?.map((t) => [t.tagKey, t.tagValue])).toEqual([['team', 'payments']])
    const raw = await rawCall(client, 'DescribeSecret', { SecretName: 'app/api-key' })
    expect(raw.Tags).toBeUndefined()
    expect(raw.SecretType).toBe('Generic')
  })

  it('UpdateSecret changes the description', async () => {
    await client.updateSecret(
      new $Kms.UpdateSecretRequest({ secretName: 'app/api-key', description: 'rotated key' }),
    )
    const res = await client.describeSecret(
      new $Kms.DescribeSecretRequest({ secretName: 'app/api-key' }),
    )
    expect(res.description).toBe('rotated key')
  })

  it('ListSecrets pages and filters', async () => {
    for (const name of ['db/a', 'db/b', 'db/c']) {
      await client.createSecret(
        new $Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: name }),
      )
    }
    const page1 = await client.listSecrets(
      new $Kms.ListSecretsRequest({ pageNumber: 1, pageSize: 2, fetchTags: 'true' }),
    )
    expect(page1.totalCount).toBe(4)
    expect(page1.secretList?.secret?.map((s) => s.secretName)).toEqual(['app/api-key', 'db/a'])
    expect(page1.secretList?.secret?.[0]?.tags?.tag?.[0]?.tagKey).toBe('team')
    const page2 = await client.listSecrets(
      new $Kms.ListSecretsRequest({ pageNumber: 2, pageSize: 2 }),
    )
    expect(page2.secretList?.secret?.map((s) => s.secretName)).toEqual(['db/b', 'db/c'])
    const filtered = await rawCall(client, 'ListSecrets', {
      Filters: JSON.stringify([{ Key: 'SecretName', Values: ['db/'] }]),
    })
    expect(filtered.TotalCount).toBe(3)
    const byTag = await rawCall(client, 'ListSecrets', {
      Filters: JSON.stringify([{ Key: 'TagKey', Values: ['team'] }]),
    })
    expect(byTag.TotalCount).toBe(1)
    const bad = await sdkError(rawCall(client, 'ListSecrets', { Filters: '{not json' }))
    expect(bad.code).toBe('InvalidParameterError')
    const badSize = await sdkError(rawCall(client, 'ListSecrets', { PageSize: 101 }))
    expect(badSize.code).toBe('InvalidParameterError')
  })

  it('ListSecretVersionIds hides stage-less versions unless IncludeDeprecated', async () => {
    for (const v of ['v2', 'v3']) {
      await client.putSecretValue(
        new $Kms.PutSecretValueRequest({ secretName: 'app/api-key', versionId: v, secretData: v }),
      )
    }
    const visible = await client.listSecretVersionIds(
      new $Kms.ListSecretVersionIdsRequest({ secretName: 'app/api-key' }),
    )
    expect(visible.versionIds?.versionId?.map((v) => v.versionId)).toEqual(['v3', 'v2'])
    const all = await client.listSecretVersionIds(
      new $Kms.ListSecretVersionIdsRequest({
        secretName: 'app/api-key',
        includeDeprecated: 'true',
      }),
    )
    expect(all.totalCount).toBe(3)
    expect(
      all.versionIds?.versionId?.find((v) => v.versionId === 'v1')?.versionStages?.versionStage,
    ).toEqual([])
  })

  it('UpdateSecretVersionStage moves a custom stage and ACSCurrent', async () => {
    await client.putSecretValue(
      new $Kms.PutSecretValueRequest({
        secretName: 'app/api-key',
        versionId: 'v2',
        secretData: 'second',
        versionStages: JSON.stringify(['Staging']),
      }),
    )
    const staged = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'app/api-key', versionStage: 'Staging' }),
    )
    expect(staged.versionId).toBe('v2')
    await client.updateSecretVersionStage(
      new $Kms.UpdateSecretVersionStageRequest({
        secretName: 'app/api-key',
        versionStage: 'ACSCurrent',
        removeFromVersion: 'v1',
        moveToVersion: 'v2',
      }),
    )
    const current = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'app/api-key' }),
    )
    expect(current.versionId).toBe('v2')
    expect(current.versionStages?.versionStage?.sort()).toEqual(['ACSCurrent', 'Staging'])
    const noMove = await sdkError(
      client.updateSecretVersionStage(
        new $Kms.UpdateSecretVersionStageRequest({
          secretName: 'app/api-key',
          versionStage: 'ACSCurrent',
          removeFromVersion: 'v2',
        }),
      ),
    )
    expect(noMove.code).toBe('InvalidParameterError')
    const missing = await sdkError(
      client.updateSecretVersionStage(
        new $Kms.UpdateSecretVersionStageRequest({
          secretName: 'app/api-key',
          versionStage: 'Staging',
          moveToVersion: 'v9',
        }),
      ),
    )
    expect(missing.code).toBe('Forbidden.ResourceNotFoundError')
  })

  it('TagResource, ListResourceTags and UntagResource', async () => {
    await client.tagResource(
      new $Kms.TagResourceRequest({
        secretName: 'app/api-key',
        tags: JSON.stringify([
          { TagKey: 'env', TagValue: 'prod' },
          { TagKey: 'team', TagValue: 'core' },
        ]),
      }),
    )
    // The 1.x ListResourceTagsRequest only knows KeyId, so secrets go through doRequest.
    const raw = await rawCall(client, 'ListResourceTags', { SecretName: 'app/api-key' })
    expect(raw.Tags).toEqual({
      Tag: [
        { TagKey: 'team', TagValue: 'core' },
        { TagKey: 'env', TagValue: 'prod' },
      ],
    })
    await client.untagResource(
      new $Kms.UntagResourceRequest({
        secretName: 'app/api-key',
        tagKeys: JSON.stringify(['team']),
      }),
    )
    const after = await rawCall(client, 'ListResourceTags', { SecretName: 'app/api-key' })
    expect(after.Tags).toEqual({ Tag: [{ TagKey: 'env', TagValue: 'prod' }] })
  })

  it('GetRandomPassword honours length and exclusions', async () => {
    const res = await client.getRandomPassword(
      new $Kms.GetRandomPasswordRequest({
        passwordLength: '40',
        excludePunctuation: 'true',
        excludeCharacters: 'abc',
      }),
    )
    expect(res.randomPassword).toHaveLength(40)
    expect(res.randomPassword).toMatch(/^[d-zA-Z0-9]+$/)
    const tooShort = await sdkError(
      client.getRandomPassword(new $Kms.GetRandomPasswordRequest({ passwordLength: '4' })),
    )
    expect(tooShort.code).toBe('InvalidParameterError')
  })

  it('an unknown action is InvalidAction.NotFound (404)', async () => {
    const err = await sdkError(rawCall(client, 'DescribeUnicorn', {}))
    expect(err.code).toBe('InvalidAction.NotFoundError')
    expect(err.message).toContain('code: 404')
  })

  it('a missing required parameter is MissingParameter', async () => {
    const err = await sdkError(rawCall(client, 'GetSecretValue', {}))
    expect(err.code).toBe('MissingParameterError')
  })

  it('audit and counters record every call without secret values', async () => {
    await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 'app/api-key' }))
    await sdkError(client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 'nope' })))
    const counters = emulator.counters('GetSecretValue')
    expect(counters).toEqual({
      calls: 2,
      ok: 1,
      errors: 1,
      byCode: { OK: 1, 'Forbidden.ResourceNotFound': 1 },
    })
    const entries = emulator.audit().filter((e) => e.action === 'GetSecretValue')
    expect(entries.map((e) => [e.secretName, e.code, e.httpStatus, e.accessKeyId])).toEqual([
      ['app/api-key', 'OK', 200, emulator.accessKeyId],
      ['nope', 'Forbidden.ResourceNotFound', 404, emulator.accessKeyId],
    ])
    expect(JSON.stringify(emulator.audit())).not.toContain('first')
    emulator.resetCounters()
    expect(emulator.counters('GetSecretValue').calls).toBe(0)
    expect(emulator.audit()).toEqual([])
  })
})
