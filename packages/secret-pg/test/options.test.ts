import { isSecretClientError, SecretClientError } from '@org/secret-client'
import { describe, expect, it } from 'vitest'
import { Client, Pool } from '../src/index.js'

const source = {
  getDatabaseCredentials: () => Promise.reject(new Error('unused')),
  refreshNow: () => Promise.reject(new Error('unused')),
}

function configError(make: () => unknown): SecretClientError {
  try {
    make()
  } catch (error) {
    expect(isSecretClientError(error, 'INVALID_CONFIG')).toBe(true)
    return error as SecretClientError
  }
  throw new Error('expected INVALID_CONFIG')
}

describe('options', () => {
  it('requires a secretName', () => {
    for (const config of [undefined, null, 'postgres://u:p@h/db', {}, { secretName: ' ' }]) {
      configError(() => new Client(config as never))
      configError(() => new Pool(config as never))
    }
  })

  it('refuses user and password, which the secret provides, without echoing them', () => {
    const error = configError(
      () => new Client({ secretName: 's', password: 'hunter2-value' } as never),
    )
    expect(error.message).toContain('"password"')
    expect(error.message).not.toContain('hunter2-value')
    configError(() => new Pool({ secretName: 's', user: 'app' } as never))
  })

  it('refuses a Client class for a Pool', () => {
    configError(() => new Pool({ secretName: 's', Client: class {} } as never))
  })

  it('checks the secret options', () => {
    configError(() => new Client({ secretName: 's', secretClient: {} as never }))
    configError(() => new Client({ secretName: 's', versionStage: '' }))
    configError(() => new Client({ secretName: 's', rotationRetry: 5 as never }))
    configError(
      () =>
        new Pool({ secretName: 's', secretClient: source, recycleIdleOnRotation: 'no' as never }),
    )
  })

  it('rejects a bad retry budget with INVALID_CONFIG when the options are given', () => {
    for (const rotationRetry of [{ maxAttempts: 0 }, { maxTimeMs: Number.NaN }, 'fast']) {
      expect(
        () => new Client({ secretName: 's', secretClient: source, rotationRetry } as never),
      ).toThrow(expect.objectContaining({ name: 'SecretClientError', code: 'INVALID_CONFIG' }))
      expect(
        () => new Pool({ secretName: 's', secretClient: source, rotationRetry } as never),
      ).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }))
    }
  })

  it('passes secret errors through', async () => {
    const notFound = new SecretClientError('SECRET_NOT_FOUND', 'no such secret')
    const client = new Client({
      secretName: 's',
      secretClient: { ...source, getDatabaseCredentials: () => Promise.reject(notFound) },
    })
    await expect(client.connect()).rejects.toBe(notFound)
    // the callback form reports it too
    const other = new Client({
      secretName: 's',
      secretClient: { ...source, getDatabaseCredentials: () => Promise.reject(notFound) },
    })
    const viaCallback = await new Promise((resolve) => other.connect((err: Error) => resolve(err)))
    expect(viaCallback).toBe(notFound)
  })

  it('leaves pg defaults alone: the Pool keeps pg-pool option handling', () => {
    const pool = new Pool({ secretName: 's', secretClient: source, max: 3 })
    expect(pool.options.max).toBe(3)
    expect(pool.options.idleTimeoutMillis).toBe(10_000)
    expect(pool.listenerCount('error')).toBe(1)
    return pool.end()
  })
})
