import { describe, expect, it } from 'vitest'
import { toSecretRecord } from '../../src/kms/to-secret-record.js'

describe('toSecretRecord', () => {
  it('maps camelCase models and PascalCase maps alike', () => {
    const pascal = toSecretRecord(
      {
        SecretName: 'a',
        VersionId: 'v',
        SecretData: 'x',
        VersionStages: { VersionStage: 'ACSCurrent' },
      },
      'a',
    )
    const camel = toSecretRecord(
      {
        secretName: 'a',
        versionId: 'v',
        secretData: 'x',
        versionStages: { versionStage: 'ACSCurrent' },
      },
      'a',
    )
    expect(pascal).toEqual(camel)
    expect(pascal.versionStages).toEqual(['ACSCurrent'])
    expect(pascal.secretDataType).toBe('text')
  })

  it('keeps a parsed ExtendedConfig object and unwraps { body }', () => {
    const record = toSecretRecord(
      { body: { SecretName: 'a', VersionId: 'v', SecretData: 'x', ExtendedConfig: { k: 1 } } },
      'a',
    )
    expect(record.extendedConfig).toEqual({ k: 1 })
  })

  it.each([
    [null, /not an object/],
    [{ SecretName: 'a', SecretData: 'x' }, /no VersionId/],
    [{ SecretName: 'a', VersionId: 'v' }, /no SecretData/],
    [
      { SecretName: 'a', VersionId: 'v', SecretData: 'x', SecretDataType: 'json' },
      /SecretDataType/,
    ],
  ])('%o → KMS_ERROR', (response, message) => {
    expect(() => toSecretRecord(response, 'a')).toThrow(message)
  })

  it('metadata fields that are objects (even without a prototype) are absent, not a crash', () => {
    // Found by the fuzz suite: String() of a null-prototype object throws a TypeError.
    const record = toSecretRecord(
      {
        SecretName: 'a',
        VersionId: 'v',
        SecretData: 'x',
        RequestId: Object.create(null),
        SecretType: { nested: true },
        CreateTime: 1_700_000_000,
      },
      'a',
    )
    expect(record.requestId).toBeUndefined()
    expect(record.secretType).toBeUndefined()
    expect(record.createTime).toBe('1700000000')
  })
})
