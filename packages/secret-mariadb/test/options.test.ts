import { SecretCacheClient } from '@org/secret-client'
import mariadbCallback from 'mariadb/callback'
import { describe, expect, it } from 'vitest'
import { createPoolCluster as createCallbackPoolCluster } from '../src/callback.js'
import {
  createConnection,
  createPool,
  createPoolCluster,
  isSecretClientError,
  type SecretPoolConfig,
} from '../src/index.js'

// A client that is never asked: every case fails before reading the secret.
const secretClient = new SecretCacheClient({
  fetcher: {
    fetchSecret: () => Promise.reject(new Error('the secret must not be read')),
  },
})
const base = { secretName: 'db/app', secretClient, host: '127.0.0.1' }

const invalid = (message: string | RegExp) => (error: unknown) =>
  isSecretClientError(error, 'INVALID_CONFIG') &&
  (typeof message === 'string'
    ? (error as Error).message === message
    : message.test((error as Error).message))

describe('options', () => {
  const cases: Array<[string, unknown, string]> = [
    ['no secretName', { host: 'h' }, 'secretName must be a non-empty string'],
    ['a blank secretName', { ...base, secretName: '  ' }, 'secretName must be a non-empty string'],
    [
      'a user next to secretName',
      { ...base, user: 'app' },
      '"user" cannot be combined with secretName: the secret provides the credentials',
    ],
    [
      'a password next to secretName',
      { ...base, password: 'pw' },
      '"password" cannot be combined with secretName: the secret provides the credentials',
    ],
    [
      "the connector's connection string",
      'mariadb://app:pw@127.0.0.1/db',
      'options must be an object with a secretName (a URL cannot name a secret)',
    ],
    [
      'a secretClient without the methods',
      { ...base, secretClient: {} },
      'secretClient must have getDatabaseCredentials() and refreshNow()',
    ],
  ]

  for (const [label, options, message] of cases) {
    it(`createConnection rejects ${label} (a rejection, as the connector's own option errors)`, async () => {
      let returned: Promise<unknown> | undefined
      expect(() => {
        returned = createConnection(options as never)
      }).not.toThrow()
      await expect(returned).rejects.toSatisfy(invalid(message))
    })

    it(`createPool throws ${label} synchronously (as the connector's own option errors)`, () => {
      expect(() => createPool(options as SecretPoolConfig)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', message }),
      )
    })
  }

  it('recycleIdleOnRotation applies to pools only', async () => {
    await expect(
      createConnection({ ...base, recycleIdleOnRotation: true } as never),
    ).rejects.toSatisfy(invalid('recycleIdleOnRotation applies to pools only'))
  })

  it('a malformed rotationRetry names the option', () => {
    expect(() => createPool({ ...base, rotationRetry: { maxAttempts: 0 } })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringMatching(/^rotationRetry/),
      }),
    )
  })

  it("a cluster node's options go through the same validation, before the node is added", async () => {
    const cluster = createPoolCluster()
    try {
      expect(() => cluster.add('n1', { ...base, user: 'app' } as never)).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          message: '"user" cannot be combined with secretName: the secret provides the credentials',
        }),
      )
      expect(() => cluster.add({ host: 'h' } as never)).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          message: 'secretName must be a non-empty string',
        }),
      )
    } finally {
      await cluster.end()
    }
  })

  it("the callback cluster validates a node's options the same way, and fails as the connector's does", async () => {
    const cluster = createCallbackPoolCluster()
    const raw = mariadbCallback.createPoolCluster()
    try {
      expect(() => cluster.add('n1', { ...base, password: 'x' } as never)).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          message:
            '"password" cannot be combined with secretName: the secret provides the credentials',
        }),
      )
      // The connector's own synchronous errors and callback errors, message for message.
      const thrown = (run: () => unknown): string => {
        try {
          run()
          return 'no error'
        } catch (error) {
          return `${(error as Error).constructor.name}: ${(error as Error).message}`
        }
      }
      expect(thrown(() => cluster.end('nope' as never))).toBe(
        thrown(() => raw.end('nope' as never)),
      )
      expect(thrown(() => cluster.remove(undefined as never))).toBe(
        thrown(() => raw.remove(undefined as never)),
      )
      const noNode = (target: typeof raw) =>
        new Promise<string>((resolve) =>
          target.getConnection((error) => resolve(String(error?.message))),
        )
      expect(await noNode(cluster as unknown as typeof raw)).toBe(await noNode(raw))
    } finally {
      await new Promise((resolve) => cluster.end(resolve))
      await new Promise((resolve) => raw.end(resolve))
    }
  })

  it('never puts a password in an error: a refused option is named, not shown', async () => {
    const error = await createConnection({ ...base, password: 'hunter2-secret' } as never).catch(
      (caught: unknown) => caught,
    )
    expect(String(error)).not.toContain('hunter2-secret')
    expect(JSON.stringify(error)).not.toContain('hunter2-secret')
  })
})
