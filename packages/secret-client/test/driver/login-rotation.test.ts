import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LoginRotation } from '../../src/driver/login-rotation.js'
import { resolveDriverOptions } from '../../src/driver/resolve-driver-options.js'
import type { DatabaseSecretSource } from '../../src/driver/rotation-attempt.js'
import { isSecretClientError } from '../../src/errors.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import { NAME, StageKms } from './_stage-kms.js'

class DriverError extends Error {
  readonly errno = 1045
}

let kms: StageKms
let client: SecretCacheClient
const logins: LoginRotation[] = []

function login(source?: () => DatabaseSecretSource): LoginRotation {
  const { secret } = resolveDriverOptions(
    { secretName: NAME, secretClient: client, rotationRetry: { baseDelayMs: 0, maxDelayMs: 0 } },
    { kind: 'connection', credentialKeys: [] },
  )
  const created = new LoginRotation({
    secret,
    signal: new AbortController().signal,
    ...(source === undefined ? {} : { source }),
  })
  logins.push(created)
  return created
}

beforeEach(() => {
  kms = new StageKms()
  client = new SecretCacheClient({
    fetcher: kms,
    minRefreshIntervalMs: 0,
    retry: { maxAttempts: 1 },
  })
})

afterEach(async () => {
  for (const created of logins.splice(0)) created.close()
  await client.close()
})

describe('LoginRotation', () => {
  it('a signal given as a function is asked for only when an attempt is built, and ends it', async () => {
    kms.set('ACSCurrent', 'v1', 'pw1')
    await login().first()
    const { secret } = resolveDriverOptions(
      { secretName: NAME, secretClient: client, rotationRetry: { baseDelayMs: 0, maxDelayMs: 0 } },
      { kind: 'connection', credentialKeys: [] },
    )
    const controller = new AbortController()
    let asked = 0
    const warm = new LoginRotation({
      secret,
      signal: () => {
        asked += 1
        return controller.signal
      },
    })
    logins.push(warm)
    expect(warm.first()).toMatchObject({ versionId: 'v1' })
    expect(asked).toBe(0)
    // A rejection builds the attempt: the signal is asked for then, and aborting it ends the wait.
    kms.set('ACSCurrent', 'v2', 'pw2')
    expect(warm.canRetry()).toBe(true)
    expect(asked).toBe(1)
    controller.abort()
    const ended = await warm.next(new DriverError('denied')).catch((error: unknown) => error)
    expect(isSecretClientError(ended, 'ABORTED')).toBe(true)
  })

  it('first() answers cached credentials synchronously, a miss with a promise', async () => {
    kms.set('ACSCurrent', 'v1', 'pw1')
    const cold = login().first()
    expect(cold).toBeInstanceOf(Promise)
    expect((await cold).versionId).toBe('v1')
    const warm = login()
    const credentials = warm.first()
    expect(credentials).not.toBeInstanceOf(Promise)
    expect(credentials).toMatchObject({ versionId: 'v1', password: 'pw1' })
    expect(warm.versionId).toBe('v1')
    expect(kms.fetches).toBe(1)
  })

  it('after a rejection of cached credentials: the next version, then the driver error marked', async () => {
    kms.set('ACSCurrent', 'v1', 'pw1')
    await client.getDatabaseCredentials(NAME)
    const rotation = login()
    rotation.first()
    kms.set('ACSCurrent', 'v2', 'pw2')
    expect(rotation.canRetry()).toBe(true)
    const next = await rotation.next(new DriverError('Access denied'))
    expect(next.versionId).toBe('v2')
    expect(rotation.versionId).toBe('v2')
    const final = rotation.finish(new DriverError('Access denied'))
    expect(isSecretClientError(final, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(final).toMatchObject({ errno: 1045, attempts: 2, versionId: 'v2' })
  })

  it('reads through the source it is given (a pool passes its own)', () => {
    kms.set('ACSCurrent', 'v1', 'pw1')
    const credentials = { username: 'other', password: 'x', versionId: 'vx', secretName: NAME }
    const source: DatabaseSecretSource = {
      getDatabaseCredentials: async () => credentials,
      refreshNow: async () => ({ versionId: 'vx' }),
      peekDatabaseCredentials: () => credentials,
    }
    expect(login(() => source).first()).toBe(credentials)
  })

  it('firstThen() applies cached credentials synchronously, nextThen() the next ones', async () => {
    kms.set('ACSCurrent', 'v1', 'pw1')
    const applied: string[] = []
    const apply = (credentials: { versionId: string }) => {
      applied.push(credentials.versionId)
      return { port: applied.length }
    }
    const cold = login().firstThen(apply)
    expect(cold).toBeInstanceOf(Promise)
    expect(await cold).toEqual({ port: 1 })
    const warm = login()
    expect(warm.firstThen(apply)).toEqual({ port: 2 })
    kms.set('ACSCurrent', 'v2', 'pw2')
    expect(await warm.nextThen(new DriverError('Access denied'), apply)).toEqual({ port: 3 })
    expect(applied).toEqual(['v1', 'v1', 'v2'])
  })

  it('first() throws what resolving the source throws', () => {
    const failing = login(() => {
      throw new Error('no KMS settings')
    })
    expect(() => failing.first()).toThrow('no KMS settings')
  })
})
