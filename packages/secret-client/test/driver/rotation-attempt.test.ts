import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthRetryExhaustedError } from '../../src/driver/auth-retry-exhausted-error.js'
import {
  type AuthFailureInfo,
  peekCredentials,
  RotationAttempt,
  type RotationAttemptOptions,
} from '../../src/driver/rotation-attempt.js'
import { isSecretClientError, SecretClientError } from '../../src/errors.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import type { FetchSecretRequest, SecretRecord } from '../../src/types.js'

const NAME = 'db/app'
const PASSWORD_CANARY = 'CANARY-pw'

/** A tiny KMS: versions by stage, fetches by stage, and a switch to fail with a code. */
class FakeKms {
  readonly stages = new Map<string, SecretRecord>()
  readonly requests: string[] = []
  failWith: string | undefined

  set(stage: string, versionId: string, account: string, password: string): void {
    this.stages.set(stage, {
      secretName: NAME,
      versionId,
      secretValue: JSON.stringify({ AccountName: account, AccountPassword: password }),
      versionStages: [stage],
    })
  }

  fetchesOf(stage: string): number {
    return this.requests.filter((s) => s === stage).length
  }

  async fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    this.requests.push(request.versionStage)
    if (this.failWith) throw Object.assign(new Error('kms'), { code: this.failWith })
    const found = this.stages.get(request.versionStage)
    if (!found) throw Object.assign(new Error('kms'), { code: 'Forbidden.ResourceNotFound' })
    return found
  }
}

/** A driver's own error class, as a database driver would throw it. */
class DriverError extends Error {
  readonly code = 'ER_ACCESS_DENIED_ERROR'
  readonly errno = 1045
}

let kms: FakeKms
let client: SecretCacheClient
let attempts: RotationAttempt[]

function attempt(extra: Partial<RotationAttemptOptions> = {}): RotationAttempt {
  const created = new RotationAttempt({ source: client, secretName: NAME, ...extra })
  attempts.push(created)
  return created
}

/** Timers that resolve every wait at once and record its length. */
function recordingTimers(sleeps: number[]) {
  return {
    setTimeout(callback: () => void, ms: number): unknown {
      sleeps.push(ms)
      queueMicrotask(callback)
      return 0
    },
    clearTimeout(): void {},
  }
}

/** Timers whose waits never end on their own; records waits and cancellations. */
function stuckTimers(sleeps: number[], cleared: unknown[]) {
  let handle = 0
  return {
    setTimeout(_callback: () => void, ms: number): unknown {
      sleeps.push(ms)
      handle += 1
      return handle
    },
    clearTimeout(h: unknown): void {
      cleared.push(h)
    },
  }
}

/** A clock the test moves by hand. */
function manualClock(start = 10_000) {
  const clock = { t: start, now: () => clock.t }
  return clock
}

beforeEach(() => {
  kms = new FakeKms()
  attempts = []
  client = new SecretCacheClient({
    fetcher: kms,
    minRefreshIntervalMs: 1_000,
    retry: { maxAttempts: 1 },
  })
})

afterEach(async () => {
  for (const created of attempts) created.close()
  await client.close()
})

describe('RotationAttempt: first()', () => {
  it('reads the cache and sets attempts to 1 and credentials', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    const cached = await client.getDatabaseCredentials(NAME)
    const step = attempt()
    expect(step.attempts).toBe(0)
    expect(step.credentials).toBeUndefined()
    const credentials = await step.first()
    expect(credentials).toBe(cached)
    expect(step.credentials).toBe(credentials)
    expect(step.attempts).toBe(1)
    expect(credentials).toMatchObject({ versionId: 'v1', username: 'app' })
    expect(kms.requests).toEqual(['ACSCurrent']) // no KMS call beyond the first load
  })

  it('loads on a miss, from the configured stage', async () => {
    kms.set('ACSCurrent', 'v2', 'app', 'pw2')
    kms.set('ACSPrevious', 'v1', 'app', 'pw1')
    const credentials = await attempt({ versionStage: 'ACSPrevious' }).first()
    expect(credentials.versionId).toBe('v1')
    expect(kms.requests).toEqual(['ACSPrevious'])
  })

  it('rejects with ABORTED, without a KMS call, when the signal already fired', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    const controller = new AbortController()
    controller.abort(new Error('shutdown'))
    const step = attempt({ signal: controller.signal })
    const err = await step.first().catch((e: unknown) => e)
    expect(isSecretClientError(err, 'ABORTED')).toBe(true)
    expect((err as SecretClientError).cause).toBe(controller.signal.reason)
    expect(kms.requests).toEqual([])
    expect(step.attempts).toBe(0)
  })

  it('rejects with the secret error when the secret cannot be read', async () => {
    const step = attempt()
    const err = await step.first().catch((e: unknown) => e)
    expect(isSecretClientError(err, 'SECRET_NOT_FOUND')).toBe(true)
    expect(step.attempts).toBe(0)
    expect(step.credentials).toBeUndefined()
    expect(step.canRetry()).toBe(false)
  })

  it('checks the retry budget at construction', () => {
    expect(() => attempt({ retry: { maxAttempts: 0 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    )
  })
})

describe('RotationAttempt: canRetry()', () => {
  beforeEach(() => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
  })

  it('is false before first() and true after it', async () => {
    const step = attempt()
    expect(step.canRetry()).toBe(false)
    await step.first()
    expect(step.canRetry()).toBe(true)
  })

  it('is false after close()', async () => {
    const step = attempt()
    await step.first()
    step.close()
    expect(step.canRetry()).toBe(false)
  })

  it('is false once the signal fired', async () => {
    const controller = new AbortController()
    const step = attempt({ signal: controller.signal })
    await step.first()
    expect(step.canRetry()).toBe(true)
    controller.abort()
    expect(step.canRetry()).toBe(false)
  })

  it('is false after maxAttempts', async () => {
    kms.set('ACSPrevious', 'v0', 'app', 'pw0')
    const single = attempt({ retry: { maxAttempts: 1 } })
    await single.first()
    expect(single.canRetry()).toBe(false)
    const two = attempt({ retry: { maxAttempts: 2 } })
    await two.first()
    expect(two.canRetry()).toBe(true)
    await two.next(new DriverError('denied'))
    expect(two.attempts).toBe(2)
    expect(two.canRetry()).toBe(false)
  })

  it('is false past the deadline (maxTimeMs from construction)', async () => {
    const clock = manualClock()
    const step = attempt({ now: clock.now, retry: { maxTimeMs: 500 } })
    await step.first()
    clock.t += 500
    expect(step.canRetry()).toBe(true) // at the deadline
    clock.t += 1
    expect(step.canRetry()).toBe(false)
  })
})

describe('RotationAttempt: next()', () => {
  it('after a rotation returns the new version at once and counts the attempt', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    const sleeps: number[] = []
    const step = attempt({ timers: recordingTimers(sleeps) })
    const first = await step.first()
    kms.set('ACSCurrent', 'v2', 'app_clone', 'pw2')
    const next = await step.next(new DriverError('denied'))
    expect(next).toMatchObject({ versionId: 'v2', username: 'app_clone' })
    expect(next).not.toBe(first)
    expect(step.attempts).toBe(2)
    expect(step.credentials).toBe(next)
    expect(sleeps).toEqual([])
    // The forced refresh replaced the cached version.
    expect(await client.getDatabaseCredentials(NAME)).toBe(next)
  })

  it('uses a version another caller already refreshed to, without a KMS call', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    const step = attempt()
    await step.first()
    kms.set('ACSCurrent', 'v2', 'app', 'pw2')
    await client.refreshNow(NAME)
    const fetches = kms.requests.length
    expect((await step.next(new DriverError('denied'))).versionId).toBe('v2')
    expect(kms.requests.length).toBe(fetches)
  })

  it('without a new version tries ACSPrevious once, then backs off before each attempt', async () => {
    kms.set('ACSCurrent', 'v2', 'app', 'new')
    kms.set('ACSPrevious', 'v1', 'app', 'old')
    const sleeps: number[] = []
    const step = attempt({
      timers: recordingTimers(sleeps),
      random: () => 0.5,
      retry: { baseDelayMs: 100, maxDelayMs: 2_000 },
    })
    await step.first()
    const previous = await step.next(new DriverError('denied'))
    expect(previous).toMatchObject({ versionId: 'v1' })
    expect(step.credentials).toBe(previous)
    expect(sleeps).toEqual([])
    const again = await step.next(new DriverError('denied'))
    expect(again.versionId).toBe('v2')
    expect(sleeps).toEqual([50])
    expect((await step.next(new DriverError('denied'))).versionId).toBe('v2')
    expect((await step.next(new DriverError('denied'))).versionId).toBe('v2')
    // Full jitter, doubling: random 0.5 of 100, 200, 400.
    expect(sleeps).toEqual([50, 100, 200])
    expect(step.attempts).toBe(5)
    expect(kms.fetchesOf('ACSPrevious')).toBe(1)
  })

  it('skips ACSPrevious when it holds the version just rejected', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    kms.set('ACSPrevious', 'v1', 'app', 'pw')
    const sleeps: number[] = []
    const step = attempt({ timers: recordingTimers(sleeps), random: () => 1 })
    await step.first()
    expect((await step.next(new DriverError('denied'))).versionId).toBe('v1')
    expect(sleeps).toEqual([100])
  })

  it('does not read ACSPrevious when it follows a custom stage', async () => {
    kms.set('Blue', 'b1', 'app', 'pw')
    kms.set('ACSPrevious', 'v0', 'app', 'old')
    const sleeps: number[] = []
    const step = attempt({ versionStage: 'Blue', timers: recordingTimers(sleeps) })
    await step.first()
    expect((await step.next(new DriverError('denied'))).versionId).toBe('b1')
    expect(sleeps).toHaveLength(1)
    expect(kms.fetchesOf('ACSPrevious')).toBe(0)
  })

  it('makes one last attempt when the backoff wait reaches the deadline', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    const clock = manualClock()
    const sleeps: number[] = []
    const step = attempt({
      now: clock.now,
      timers: recordingTimers(sleeps),
      random: () => 1,
      retry: { maxTimeMs: 1_000, baseDelayMs: 5_000, maxDelayMs: 5_000 },
    })
    await step.first()
    clock.t += 300
    const last = await step.next(new DriverError('denied'))
    expect(last.versionId).toBe('v1')
    // The 5 s wait was cut to what was left of the budget.
    expect(sleeps).toEqual([700])
    expect(step.attempts).toBe(2)
    expect(step.canRetry()).toBe(false)
  })

  it('keeps the cached credentials while KMS is unavailable', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    const sleeps: number[] = []
    const step = attempt({ timers: recordingTimers(sleeps) })
    await step.first()
    kms.failWith = 'ServiceUnavailableTemporary'
    const next = await step.next(new DriverError('denied'))
    expect(next.versionId).toBe('v1')
    expect(sleeps).toHaveLength(1)
    expect(step.attempts).toBe(2)
  })

  it.each([
    ['SECRET_NOT_FOUND', () => kms.stages.clear()],
    ['ACCESS_DENIED', () => (kms.failWith = 'Forbidden.NoPermission')],
  ])('rejects on a definitive KMS error (%s) from the refresh', async (code, breakKms) => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    const step = attempt({ timers: recordingTimers([]) })
    await step.first()
    breakKms()
    const err = await step.next(new DriverError('denied')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SecretClientError)
    expect((err as SecretClientError).code).toBe(code)
    expect(step.attempts).toBe(1)
  })

  it('rejects with what finish() returns when no retry is allowed', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    const step = attempt({ retry: { maxAttempts: 1 } })
    await step.first()
    const denied = new DriverError('denied')
    const err = await step.next(denied).catch((e: unknown) => e)
    expect(err).toBe(denied)
    expect(isSecretClientError(err, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(denied).toMatchObject({ attempts: 1, versionId: 'v1', secretName: NAME })
    expect(kms.requests).toEqual(['ACSCurrent'])
  })

  it('rejects with the marked error after close(), and with ABORTED after the signal fired', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    const closed = attempt()
    await closed.first()
    closed.close()
    const denied = new DriverError('denied')
    await expect(closed.next(denied)).rejects.toBe(denied)
    expect(denied).toBeInstanceOf(AuthRetryExhaustedError)

    const controller = new AbortController()
    const aborted = attempt({ signal: controller.signal })
    await aborted.first()
    controller.abort()
    const other = new DriverError('denied')
    const err = await aborted.next(other).catch((e: unknown) => e)
    expect(isSecretClientError(err, 'ABORTED')).toBe(true)
    expect((err as SecretClientError).cause).toBe(other)
  })

  it('rejects with ABORTED at once when the signal fires during a backoff wait', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw') // no ACSPrevious: straight to the backoff
    const controller = new AbortController()
    const sleeps: number[] = []
    const cleared: unknown[] = []
    const step = attempt({
      signal: controller.signal,
      timers: stuckTimers(sleeps, cleared),
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxTimeMs: 600_000 },
      random: () => 1,
    })
    await step.first()
    const denied = new DriverError('denied')
    const pending = step.next(denied).catch((e: unknown) => e)
    await vi.waitFor(() => expect(sleeps).toEqual([60_000]))
    const reason = new Error('caller gave up')
    controller.abort(reason)
    const err = await pending
    expect(isSecretClientError(err, 'ABORTED')).toBe(true)
    expect((err as SecretClientError).cause).toBe(denied)
    expect(cleared).toEqual([1]) // the wait's timer is released
    expect(step.attempts).toBe(1)
    expect(step.canRetry()).toBe(false)
  })
})

describe('RotationAttempt: finish()', () => {
  beforeEach(() => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
  })

  it('returns the driver error itself, marked AUTH_RETRY_EXHAUSTED with non-enumerable fields', async () => {
    const clock = manualClock()
    const step = attempt({ now: clock.now })
    await step.first()
    clock.t += 250
    const denied = Object.assign(new DriverError('Access denied'), { sqlState: '28000' })
    const keys = Object.keys(denied)
    const json = JSON.stringify(denied)
    const result = step.finish(denied)
    expect(result).toBe(denied)
    expect(result).toBeInstanceOf(DriverError)
    expect(result).toBeInstanceOf(AuthRetryExhaustedError)
    expect(result).not.toBeInstanceOf(SecretClientError)
    expect(isSecretClientError(result, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    expect(denied).toMatchObject({
      attempts: 1,
      elapsedMs: 250,
      versionId: 'v1',
      secretName: NAME,
      code: 'ER_ACCESS_DENIED_ERROR',
      errno: 1045,
      sqlState: '28000',
      message: 'Access denied',
    })
    for (const field of ['attempts', 'elapsedMs', 'versionId', 'secretName']) {
      expect(Object.getOwnPropertyDescriptor(denied, field)?.enumerable).toBe(false)
    }
    expect(Object.keys(denied)).toEqual(keys)
    expect(JSON.stringify(denied)).toBe(json)
  })

  it('returns ABORTED with the driver error as cause when the signal fired', async () => {
    const controller = new AbortController()
    const step = attempt({ signal: controller.signal })
    await step.first()
    controller.abort()
    const denied = new DriverError('denied')
    const result = step.finish(denied)
    expect(result).toBeInstanceOf(SecretClientError)
    expect(result).toMatchObject({ code: 'ABORTED', secretName: NAME })
    expect((result as SecretClientError).cause).toBe(denied)
    expect(isSecretClientError(denied, 'AUTH_RETRY_EXHAUSTED')).toBe(false)
  })

  it.each([
    ['a string', 'a string'],
    ['a frozen error', Object.freeze(new Error('frozen'))],
    ['null', null],
  ])(
    'wraps %s that cannot carry the mark in an AuthRetryExhaustedError',
    async (_label, thrown) => {
      const step = attempt()
      await step.first()
      const result = step.finish(thrown)
      expect(result).toBeInstanceOf(AuthRetryExhaustedError)
      expect(result).toBeInstanceOf(SecretClientError)
      expect(result).toMatchObject({
        code: 'AUTH_RETRY_EXHAUSTED',
        attempts: 1,
        versionId: 'v1',
        secretName: NAME,
      })
      expect((result as AuthRetryExhaustedError).cause).toBe(thrown)
      expect(isSecretClientError(result, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    },
  )

  it('before first(): 0 attempts and no version', () => {
    const result = attempt().finish(new DriverError('denied'))
    expect(result).toMatchObject({ attempts: 0, versionId: undefined, secretName: NAME })
  })
})

describe('RotationAttempt: onAuthFailure', () => {
  it('is called once per distinct failure, with attempt, version and username, never a password', async () => {
    kms.set('ACSCurrent', 'v1', 'app', PASSWORD_CANARY)
    kms.set('ACSPrevious', 'v0', 'app_old', `${PASSWORD_CANARY}-old`)
    const seen: AuthFailureInfo[] = []
    const step = attempt({
      onAuthFailure: (info) => seen.push(info),
      retry: { maxAttempts: 2 },
    })
    await step.first()
    const first = new DriverError('denied 1')
    await step.next(first)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toEqual({
      secretName: NAME,
      attempt: 1,
      versionId: 'v1',
      username: 'app',
      error: first,
    })
    expect(step.canRetry()).toBe(false)
    const second = new DriverError('denied 2')
    // next() without a retry left and then finish() with the same error: reported once.
    await expect(step.next(second)).rejects.toBe(second)
    expect(step.finish(second)).toBe(second)
    expect(seen).toHaveLength(2)
    expect(seen[1]).toEqual({
      secretName: NAME,
      attempt: 2,
      versionId: 'v0',
      username: 'app_old',
      error: second,
    })
    for (const info of seen) {
      expect(Object.keys(info).sort()).toEqual(
        ['attempt', 'error', 'secretName', 'username', 'versionId'].sort(),
      )
    }
    const json = JSON.stringify(seen.map((info) => ({ ...info, error: String(info.error) })))
    expect(json).not.toContain(PASSWORD_CANARY)
    expect(json).not.toMatch(/password/i)
  })

  it('reports a failure passed to next() and then to finish() once', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    const seen: AuthFailureInfo[] = []
    const step = attempt({
      onAuthFailure: (info) => seen.push(info),
      timers: recordingTimers([]),
    })
    await step.first()
    const denied = new DriverError('denied')
    await step.next(denied)
    step.finish(denied)
    expect(seen.map((info) => info.error)).toEqual([denied])
  })

  it('is not called before first() has credentials', () => {
    const seen: AuthFailureInfo[] = []
    attempt({ onAuthFailure: (info) => seen.push(info) }).finish(new DriverError('denied'))
    expect(seen).toEqual([])
  })
})

describe('peekCredentials and resuming a first attempt made from the cache', () => {
  it('peekCredentials is undefined on a miss, the cached credentials (same object) on a hit', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    expect(peekCredentials(client, NAME, 'ACSCurrent')).toBeUndefined()
    expect(kms.requests).toEqual([]) // a peek never calls KMS
    const read = await client.getDatabaseCredentials(NAME)
    expect(peekCredentials(client, NAME, 'ACSCurrent')).toBe(read)
    // Another stage is another entry.
    expect(peekCredentials(client, NAME, 'ACSPrevious')).toBeUndefined()
  })

  it('peekCredentials is undefined for a source without peekDatabaseCredentials', () => {
    const source = {
      getDatabaseCredentials: () => Promise.reject(new Error('unused')),
      refreshNow: () => Promise.reject(new Error('unused')),
    }
    expect(peekCredentials(source, NAME, 'ACSCurrent')).toBeUndefined()
  })

  it('an attempt built with `first` resumes after that attempt: one made, the deadline from its start', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    const credentials = await client.getDatabaseCredentials(NAME)
    const clock = manualClock(50_000)
    const resumed = attempt({
      first: { credentials, startedAt: 40_000 },
      retry: { maxTimeMs: 5_000 },
      now: clock.now,
    })
    expect(resumed.attempts).toBe(1)
    expect(resumed.credentials).toBe(credentials)
    // Started at 40 000 with a 5 s budget: at 50 000 the deadline has passed.
    expect(resumed.canRetry()).toBe(false)
    const failure = resumed.finish(new DriverError('Access denied'))
    expect(failure).toMatchObject({ attempts: 1, versionId: 'v1', elapsedMs: 10_000 })
  })

  it('a resumed attempt refreshes past the version its first attempt used', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    const credentials = await client.getDatabaseCredentials(NAME)
    kms.set('ACSCurrent', 'v2', 'app', 'pw2')
    const resumed = attempt({ first: { credentials, startedAt: Date.now() } })
    expect(resumed.canRetry()).toBe(true)
    const next = await resumed.next(new DriverError('Access denied'))
    expect(next.versionId).toBe('v2')
    expect(resumed.attempts).toBe(2)
  })
})

describe('SecretCacheClient#peekDatabaseCredentials', () => {
  it('answers a hit synchronously, is undefined for a value that is not credentials', async () => {
    kms.stages.set('ACSCurrent', {
      secretName: NAME,
      versionId: 'v1',
      secretValue: 'not json',
      versionStages: ['ACSCurrent'],
    })
    await client.getSecretInfo(NAME)
    expect(client.peekDatabaseCredentials(NAME)).toBeUndefined()
    // The asynchronous read reports what is wrong with it.
    await expect(client.getDatabaseCredentials(NAME)).rejects.toMatchObject({
      code: 'INVALID_SECRET_VALUE',
    })
  })

  it('throws CLOSED after close()', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    await client.getDatabaseCredentials(NAME)
    await client.close()
    expect(() => client.peekDatabaseCredentials(NAME)).toThrow(
      expect.objectContaining({ code: 'CLOSED' }),
    )
  })
})
