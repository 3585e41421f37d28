import { SecretCacheClient } from '@org/secret-client'
import { describe, expect, it } from 'vitest'
import { Connection, isSecretClientError } from '../src/index.js'
import { ConnectionPool } from '../src/mssql.js'

// A client that is never asked: every case fails before reading the secret.
const secretClient = new SecretCacheClient({
  fetcher: { fetchSecret: () => Promise.reject(new Error('the secret must not be read')) },
})
const base = { secretName: 'db/app', secretClient, server: '127.0.0.1' }

const invalid = (message: string | RegExp) =>
  expect.objectContaining({
    code: 'INVALID_CONFIG',
    message: typeof message === 'string' ? message : expect.stringMatching(message),
  })

describe('secret-tedious options', () => {
  it('the kit’s one validation: secretName, and no credentials next to it', () => {
    expect(() => new Connection({ ...base, secretName: ' ' })).toThrow(
      invalid('secretName must be a non-empty string'),
    )
    expect(
      () =>
        new Connection({
          ...base,
          authentication: { type: 'default', options: { userName: 'sa', password: 'x' } },
        } as never),
    ).toThrow(
      invalid(
        '"authentication" cannot be combined with secretName: the secret provides the credentials',
      ),
    )
    expect(() => new Connection({ ...base, rotationRetry: { maxAttempts: 0 } })).toThrow(
      invalid(/^rotationRetry/),
    )
    expect(() => new Connection('mssql://sa:pw@host' as never)).toThrow(
      invalid(/^options must be an object/),
    )
    // A pool option on a single connection does nothing: refused.
    expect(() => new Connection({ ...base, recycleIdleOnRotation: false } as never)).toThrow(
      invalid(/recycleIdleOnRotation/),
    )
  })

  it('mssql pools: the same rules, with mssql’s credential keys', () => {
    for (const key of ['user', 'password', 'domain', 'authentication']) {
      expect(() => new ConnectionPool({ ...base, [key]: 'x' } as never)).toThrow(
        invalid(`"${key}" cannot be combined with secretName: the secret provides the credentials`),
      )
    }
    expect(() => new ConnectionPool('Server=h;User Id=sa;Password=x' as never)).toThrow(
      invalid(/^options must be an object/),
    )
    expect(() => new ConnectionPool({ ...base, recycleIdleOnRotation: 'no' } as never)).toThrow(
      invalid(/recycleIdleOnRotation/),
    )
  })

  it('never puts a password in an error: a refused option is named, not shown', () => {
    let error: unknown
    try {
      new ConnectionPool({ ...base, password: 'hunter2-secret' } as never)
    } catch (caught) {
      error = caught
    }
    expect(isSecretClientError(error, 'INVALID_CONFIG')).toBe(true)
    expect(String((error as Error).message)).not.toContain('hunter2')
  })

  it("a Connection made with the secret options has tedious's own config otherwise", () => {
    const connection = new Connection({ ...base, options: { port: 14330, database: 'app' } })
    const { config } = connection as unknown as {
      config: { server: string; options: { port: number; database: string } }
    }
    expect(config.server).toBe('127.0.0.1')
    expect(config.options.port).toBe(14330)
    expect(config.options.database).toBe('app')
  })
})
