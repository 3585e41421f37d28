import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type AttemptCredentials, openWithRotation } from '../../src/driver/open-with-rotation.js'
import { resolveDriverOptions } from '../../src/driver/resolve-driver-options.js'
import type { RotationRetryOptions } from '../../src/driver/rotation-retry.js'
import { isSecretClientError } from '../../src/errors.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import type { DatabaseCredentials } from '../../src/types.js'
import { NAME, StageKms } from './_stage-kms.js'

class DriverError extends Error {
  constructor(
    message: string,
    readonly errno: number,
  ) {
    super(message)
  }
}

const isAuthFailure = (error: unknown) => (error as { errno?: number }).errno === 1045

/** A database that accepts one password; `open` reports what each attempt did. */
class FakeDatabase {
  password = 'pw1'
  readonly attempts: Array<{ sync: boolean; password: string }> = []
  open(credentials: AttemptCredentials, done: (error: unknown, connection?: object) => void) {
    const read = credentials()
    const finish = (found: DatabaseCredentials, sync: boolean) => {
      this.attempts.push({ sync, password: found.password })
      setImmediate(() =>
        found.password === this.password
          ? done(null, { password: found.password })
          : done(new DriverError('Access denied', 1045)),
      )
    }
    if (read instanceof Promise) read.then((found) => finish(found, false), done)
    else finish(read, true)
  }
}

let kms: StageKms
let client: SecretCacheClient
let db: FakeDatabase

beforeEach(() => {
  kms = new StageKms()
  kms.set('ACSCurrent', 'v1', 'pw1')
  client = new SecretCacheClient({
    fetcher: kms,
    minRefreshIntervalMs: 0,
    retry: { maxAttempts: 1 },
  })
  db = new FakeDatabase()
})

afterEach(async () => {
  await client.close()
})

interface Outcome {
  error: unknown
  connection?: object
  versionId?: string
}

function open(
  extra: {
    closing?: AbortSignal
    isClosed?: () => boolean
    retry?: RotationRetryOptions
    source?: () => never
  } = {},
): { sync: boolean; outcome: Promise<Outcome> } {
  const { secret } = resolveDriverOptions(
    {
      secretName: NAME,
      secretClient: client,
      rotationRetry: extra.retry ?? { maxTimeMs: 2_000, baseDelayMs: 0, maxDelayMs: 0 },
    },
    { kind: 'pool', credentialKeys: [] },
  )
  let sync = false
  let called = false
  const outcome = new Promise<Outcome>((resolve) => {
    openWithRotation<object>({
      secret,
      ...(extra.source === undefined ? {} : { source: extra.source }),
      closing: extra.closing ?? new AbortController().signal,
      isAuthFailure,
      isClosed: extra.isClosed ?? (() => false),
      open: (credentials, _controller, done) => db.open(credentials, done),
      callback: (error, connection, versionId) => {
        expect(called).toBe(false)
        called = true
        resolve({
          error,
          ...(connection ? { connection } : {}),
          ...(versionId ? { versionId } : {}),
        })
      },
    })
  })
  sync = db.attempts.length > 0
  return { sync, outcome }
}

describe('openWithRotation', () => {
  it('opens with cached credentials in the caller tick, reports the version', async () => {
    await client.getDatabaseCredentials(NAME)
    const { sync, outcome } = open()
    expect(sync).toBe(true)
    expect(await outcome).toEqual({ error: null, connection: { password: 'pw1' }, versionId: 'v1' })
  })

  it('retries a rejected login with the rotated credentials', async () => {
    await client.getDatabaseCredentials(NAME)
    kms.set('ACSCurrent', 'v2', 'pw2')
    db.password = 'pw2'
    const { outcome } = open()
    expect(await outcome).toEqual({ error: null, connection: { password: 'pw2' }, versionId: 'v2' })
    expect(db.attempts.map((attempt) => attempt.password)).toEqual(['pw1', 'pw2'])
  })

  it('passes another driver error on at once, unchanged', async () => {
    const failing = new DriverError('Too many connections', 1040)
    db.open = (_credentials, done) => setImmediate(() => done(failing))
    expect((await open().outcome).error).toBe(failing)
  })

  it('at the end of the budget: the driver error itself, marked AUTH_RETRY_EXHAUSTED', async () => {
    db.password = 'never'
    const { error } = await open({ retry: { maxTimeMs: 100, baseDelayMs: 5, maxDelayMs: 10 } })
      .outcome
    expect(error).toBeInstanceOf(DriverError)
    expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(error).toMatchObject({ errno: 1045, secretName: NAME })
    expect(db.attempts.length).toBeGreaterThan(1)
  })

  it('a closed pool ends the rotation at the next rejection', async () => {
    db.password = 'never'
    const { error } = await open({ isClosed: () => true }).outcome
    expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(db.attempts).toHaveLength(1)
  })

  it("the pool's end aborts a wait between retries with ABORTED", async () => {
    db.password = 'never'
    const closing = new AbortController()
    const { outcome } = open({
      closing: closing.signal,
      retry: { maxTimeMs: 60_000, baseDelayMs: 30_000, maxDelayMs: 30_000 },
    })
    await expect.poll(() => db.attempts.length).toBe(1)
    // Rejected, then the rotation's refresh and its 30 s backoff.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const attempts = db.attempts.length
    closing.abort(new Error('pool ended'))
    const { error } = await outcome
    expect(isSecretClientError(error, 'ABORTED')).toBe(true)
    expect(db.attempts).toHaveLength(attempts)
  })

  it('what resolving the source throws reaches the callback on a later tick', async () => {
    const failure = new Error('no KMS settings')
    const { sync, outcome } = open({
      source: () => {
        throw failure
      },
    })
    expect(sync).toBe(false)
    expect((await outcome).error).toBe(failure)
    expect(db.attempts).toHaveLength(0)
  })
})
