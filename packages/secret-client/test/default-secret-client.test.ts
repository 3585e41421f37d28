import { afterEach, describe, expect, it } from 'vitest'
import { closeDefaultSecretClient, defaultSecretClient } from '../src/default-secret-client.js'
import { isSecretClientError } from '../src/errors.js'

const KEYS = [
  'cache_client_region_id',
  'credentials_type',
  'credentials_access_key_id',
  'credentials_access_secret',
  'ALIBABA_CLOUD_REGION_ID',
] as const

function withEnv(values: Partial<Record<(typeof KEYS)[number], string>>): () => void {
  const saved = new Map(KEYS.map((key) => [key, process.env[key]]))
  for (const key of KEYS) delete process.env[key]
  Object.assign(process.env, values)
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

let restore: () => void = () => {}
afterEach(async () => {
  await closeDefaultSecretClient()
  restore()
})

describe('defaultSecretClient', () => {
  it('is built from the environment on first use and then shared', async () => {
    restore = withEnv({
      cache_client_region_id: '[{"regionId":"cn-hangzhou","endpoint":"http://127.0.0.1:9"}]',
      credentials_type: 'ak',
      credentials_access_key_id: 'id',
      credentials_access_secret: 'secret',
    })
    const first = defaultSecretClient()
    expect(defaultSecretClient()).toBe(first)
    // Shared across copies of the package through a registered symbol.
    expect(
      (globalThis as Record<symbol, unknown>)[Symbol.for('@org/secret-client.defaultSecretClient')],
    ).toBe(first)
    await closeDefaultSecretClient()
    await expect(first.getSecretInfo('x')).rejects.toSatisfy((err) =>
      isSecretClientError(err, 'CLOSED'),
    )
    expect(defaultSecretClient()).not.toBe(first)
  })

  it('throws INVALID_CONFIG when the environment configures no KMS region', () => {
    restore = withEnv({})
    expect(() => defaultSecretClient()).toThrow(
      expect.objectContaining({ name: 'SecretClientError', code: 'INVALID_CONFIG' }),
    )
  })

  it('closing when none was created is a no-op', async () => {
    await expect(closeDefaultSecretClient()).resolves.toBeUndefined()
  })
})
