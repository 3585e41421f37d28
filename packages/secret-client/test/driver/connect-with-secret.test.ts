import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthRetryExhaustedError } from '../../src/driver/auth-retry-exhausted-error.js'
import {
  type ConnectWithSecretOptions,
  connectWithSecret,
} from '../../src/driver/connect-with-secret.js'
import { isSecretClientError, SecretClientError } from '../../src/errors.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import type { DatabaseCredentials, FetchSecretRequest, SecretRecord } from '../../src/types.js'

const NAME = 'db/app'

/** A tiny KMS: versions by stage, a fetch counter, and a switch to fail with a code. */
class FakeKms {
  readonly stages = new Map<string, SecretRecord>()
  fetches = 0
  failWith: string | undefined

  set(stage: string, versionId: string, account: string, password: string): void {
    this.stages.set(stage, {
      secretName: NAME,
      versionId,
      secretValue: JSON.stringify({ AccountName: account, AccountPassword: password }),
      versionStages: [stage],
    })
  }

  async fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    this.fetches += 1
    if (this.failWith) throw Object.assign(new Error('kms'), { code: this.failWith })
    const found = this.stages.get(request.versionStage)
    if (!found) throw Object.assign(new Error('kms'), { code: 'Forbidden.ResourceNotFound' })
    return found
  }
}

/** A database that accepts one set of account → password pairs. */
class FakeDatabase {
  readonly accepts = new Map<string, string>()
  attempts: DatabaseCredentials[] = []

  connect = async (creds: DatabaseCredentials): Promise<string> => {
    this.attempts.push(creds)
    if (this.accepts.get(creds.username) !== creds.password) {
      throw Object.assign(new Error('Access denied'), { errno: 1045 })
    }
    return `conn:${creds.username}`
  }
}

const isAuthFailure = (err: unknown): boolean => (err as { errno?: number }).errno === 1045

let kms: FakeKms
let db: FakeDatabase
let client: SecretCacheClient

function options(
  extra: Partial<ConnectWithSecretOptions<string>> = {},
): ConnectWithSecretOptions<string> {
  return { source: client, secretName: NAME, connect: db.connect, isAuthFailure, ...extra }
}

beforeEach(() => {
  kms = new FakeKms()
  db = new FakeDatabase()
  client = new SecretCacheClient({
    fetcher: kms,
    minRefreshIntervalMs: 1_000,
    retry: { maxAttempts: 1 },
  })
})

afterEach(async () => {
  await client.close()
  vi.useRealTimers()
})

describe('connectWithSecret', () => {
  it('connects with the current credentials without refreshing', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    db.accepts.set('app', 'pw1')
    const { connection, credentials } = await connectWithSecret(options())
    expect(connection).toBe('conn:app')
    expect(credentials.versionId).toBe('v1')
    expect(kms.fetches).toBe(1)
  })

  it('picks up a rotated version (and a new username) at once after an auth failure', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    await client.getSecretInfo(NAME)
    // Dual-account rotation: the clone account became current; the old password is gone.
    kms.set('ACSCurrent', 'v2', 'app_clone', 'pw2')
    db.accepts.set('app_clone', 'pw2')
    const sleeps: number[] = []
    const { connection, credentials } = await connectWithSecret(
      options({ timers: recordingTimers(sleeps) }),
    )
    expect(connection).toBe('conn:app_clone')
    expect(credentials.versionId).toBe('v2')
    expect(db.attempts.map((c) => c.username)).toEqual(['app', 'app_clone'])
    expect(sleeps).toEqual([])
  })

  it('a storm of failures of one version, spread over the refresh, costs one KMS call', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    await client.getSecretInfo(NAME)
    kms.set('ACSCurrent', 'v2', 'app', 'pw2')
    db.accepts.set('app', 'pw2')
    // The refresh stays in flight until released, so failures land before, during and after it.
    let releaseFetch: () => void = () => {}
    let refreshes = 0
    const fetch = kms.fetchSecret.bind(kms)
    kms.fetchSecret = async (request) => {
      refreshes += 1
      await new Promise<void>((resolve) => {
        releaseFetch = resolve
      })
      return fetch(request)
    }
    const gates: Array<() => void> = []
    const connect = async (creds: DatabaseCredentials) => {
      if (creds.versionId === 'v1') await new Promise<void>((resolve) => gates.push(resolve))
      return db.connect(creds)
    }
    const attempts = Array.from({ length: 30 }, () => connectWithSecret(options({ connect })))
    await vi.waitFor(() => expect(gates).toHaveLength(30))
    for (const open of gates.splice(0, 10)) open() // fail before the refresh is sent …
    await vi.waitFor(() => expect(refreshes).toBe(1))
    for (const open of gates.splice(0, 10)) open() // … while it is in flight …
    await new Promise((resolve) => setImmediate(resolve))
    releaseFetch()
    await Promise.all(attempts.slice(0, 20))
    for (const open of gates.splice(0)) open() // … and after it found v2.
    const results = await Promise.all(attempts)
    expect(results.map((r) => r.credentials.versionId)).toEqual(Array(30).fill('v2'))
    // The initial load and one forced refresh.
    expect(refreshes).toBe(1)
    expect(kms.fetches).toBe(2)
  })

  it('falls back on ACSPrevious once when the secret is ahead of the database', async () => {
    kms.set('ACSCurrent', 'v2', 'app', 'new')
    kms.set('ACSPrevious', 'v1', 'app', 'old')
    db.accepts.set('app', 'old')
    const { credentials } = await connectWithSecret(options())
    expect(credentials.versionId).toBe('v1')
    expect(db.attempts.map((c) => c.versionId)).toEqual(['v2', 'v1'])
  })

  it('retries with backoff until the database catches up with the secret', async () => {
    vi.useFakeTimers()
    kms.set('ACSCurrent', 'v2', 'app', 'new')
    db.accepts.set('app', 'old') // database still on the old password, no ACSPrevious stage
    const pending = connectWithSecret(options({ random: () => 1 }))
    await vi.advanceTimersByTimeAsync(250)
    expect(db.attempts.length).toBeGreaterThanOrEqual(2)
    db.accepts.set('app', 'new') // rotation lands on the database
    await vi.advanceTimersByTimeAsync(5_000)
    const { credentials } = await pending
    expect(credentials.versionId).toBe('v2')
  })

  it('throws the last driver error, marked AUTH_RETRY_EXHAUSTED, within the budget', async () => {
    vi.useFakeTimers()
    kms.set('ACSCurrent', 'v1', 'app', 'wrong')
    const pending = connectWithSecret(
      options({
        retry: { maxAttempts: 50, maxTimeMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000 },
      }),
    )
    const outcome = pending.catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(20_000)
    const err = await outcome
    expect(err).toBeInstanceOf(AuthRetryExhaustedError)
    expect(isSecretClientError(err, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
    // The driver's own error, not a wrapper: existing `errno`/`code` checks keep working.
    expect(err).not.toBeInstanceOf(SecretClientError)
    expect(err).toMatchObject({ message: 'Access denied', errno: 1045 })
    // The rotation details are there, but not enumerable: it prints as the driver made it.
    expect(Object.keys(err as object)).toEqual(['errno'])
    const exhausted = err as AuthRetryExhaustedError
    expect(exhausted.elapsedMs).toBeLessThanOrEqual(10_000)
    // The refresh rate limit bounds KMS calls to about one per minRefreshIntervalMs (1 s) plus
    // the ACSPrevious probe, however many attempts were made.
    expect(kms.fetches).toBeLessThanOrEqual(1 + 1 + 11)
    expect(exhausted.attempts).toBeGreaterThan(3)
  })

  it('stops after maxAttempts', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'wrong')
    const err = await connectWithSecret(
      options({ retry: { maxAttempts: 2, baseDelayMs: 0 } }),
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthRetryExhaustedError)
    expect((err as AuthRetryExhaustedError).attempts).toBe(2)
    expect(db.attempts).toHaveLength(2)
  })

  it('does not alternate current and previous without backoff when both are rejected', async () => {
    kms.set('ACSCurrent', 'v2', 'app', 'x')
    kms.set('ACSPrevious', 'v1', 'app', 'y')
    const sleeps: number[] = []
    await connectWithSecret(
      options({ retry: { maxAttempts: 5, baseDelayMs: 10 }, timers: recordingTimers(sleeps) }),
    ).catch(() => undefined)
    // attempts: current, previous, then every further attempt comes after a wait.
    expect(db.attempts.map((c) => c.versionId)).toEqual(['v2', 'v1', 'v2', 'v2', 'v2'])
    expect(sleeps).toHaveLength(3)
  })

  it('rethrows a non-authentication error at once, without refreshing', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const err = await connectWithSecret(
      options({
        connect: async () => {
          throw refused
        },
      }),
    ).catch((e: unknown) => e)
    expect(err).toBe(refused)
    expect(kms.fetches).toBe(1)
  })

  it('ends with SECRET_NOT_FOUND when the secret disappears', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'wrong')
    await client.getSecretInfo(NAME)
    kms.stages.clear()
    const err = await connectWithSecret(options()).catch((e: unknown) => e)
    expect(isSecretClientError(err, 'SECRET_NOT_FOUND')).toBe(true)
  })

  it('keeps trying the cached credentials while KMS is unavailable', async () => {
    vi.useFakeTimers()
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    await client.getSecretInfo(NAME)
    kms.failWith = 'ServiceUnavailableTemporary'
    let failures = 2
    const pending = connectWithSecret(
      options({
        connect: async (creds) => {
          if (failures-- > 0) throw Object.assign(new Error('denied'), { errno: 1045 })
          return creds.username
        },
      }),
    )
    await vi.advanceTimersByTimeAsync(5_000)
    expect((await pending).connection).toBe('app')
  })

  it('reports each auth failure without a password in the payload', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'CANARY-pw')
    kms.set('ACSPrevious', 'v0', 'app', 'CANARY-old')
    db.accepts.set('app', 'CANARY-old')
    const seen: unknown[] = []
    await connectWithSecret(
      options({ onAuthFailure: (info) => seen.push({ ...info, error: String(info.error) }) }),
    )
    expect(seen).toEqual([
      {
        secretName: NAME,
        attempt: 1,
        versionId: 'v1',
        username: 'app',
        error: 'Error: Access denied',
      },
    ])
    expect(JSON.stringify(seen)).not.toContain('CANARY')
  })

  it('aborts during backoff with ABORTED', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'wrong')
    const controller = new AbortController()
    const pending = connectWithSecret(
      options({
        signal: controller.signal,
        retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxTimeMs: 600_000 },
        random: () => 1,
      }),
    )
    setTimeout(() => controller.abort(), 20)
    const err = await pending.catch((e: unknown) => e)
    expect(isSecretClientError(err, 'ABORTED')).toBe(true)
  })

  it("by default keeps trying past the client's default refresh interval (database ahead of secret)", async () => {
    vi.useFakeTimers()
    // The client's defaults: a forced refresh that found nothing new is not repeated for 5 s.
    const defaults = new SecretCacheClient({ fetcher: kms, retry: { maxAttempts: 1 } })
    try {
      kms.set('ACSCurrent', 'v1', 'app', 'old')
      await defaults.getSecretInfo(NAME)
      db.accepts.set('app', 'new') // the database already has the new password …
      const pending = connectWithSecret(options({ source: defaults, random: () => 0.3 }))
      const outcome = pending.catch((err: unknown) => err)
      await vi.advanceTimersByTimeAsync(1_000)
      kms.set('ACSCurrent', 'v2', 'app', 'new') // … and the secret catches up 1 s later.
      await vi.advanceTimersByTimeAsync(10_000)
      const result = await outcome
      expect(result).not.toBeInstanceOf(Error)
      expect((result as { credentials: DatabaseCredentials }).credentials.versionId).toBe('v2')
      // Seen only by the refresh the client allowed once its 5 s interval had passed.
      expect(db.attempts.length).toBeGreaterThan(10)
    } finally {
      await defaults.close()
    }
  })

  it('maxTimeMs is a deadline: the last wait is cut short and no attempt starts after it', async () => {
    vi.useFakeTimers()
    kms.set('ACSCurrent', 'v1', 'app', 'wrong')
    const startedAt: number[] = []
    const t0 = Date.now()
    const pending = connectWithSecret(
      options({
        connect: (creds) => {
          startedAt.push(Date.now() - t0)
          return db.connect(creds)
        },
        retry: { maxTimeMs: 1_000, baseDelayMs: 400, maxDelayMs: 400 },
        random: () => 1,
      }),
    )
    const outcome = pending.catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(5_000)
    const err = (await outcome) as AuthRetryExhaustedError
    expect(err).toBeInstanceOf(AuthRetryExhaustedError)
    // Waits of 400 ms, the third cut to 200 ms so that a last attempt starts at the deadline.
    expect(startedAt).toEqual([0, 400, 800, 1_000])
    expect(err.attempts).toBe(4)
    expect(err.elapsedMs).toBe(1_000)
  })

  it('abandons a KMS call between attempts at the deadline, then makes one last attempt', async () => {
    vi.useFakeTimers()
    kms.set('ACSCurrent', 'v1', 'app', 'wrong')
    await client.getSecretInfo(NAME)
    // From now on KMS hangs: the forced refresh lasts the client's whole timeoutMs (5 s).
    kms.fetchSecret = () => new Promise<SecretRecord>(() => {})
    const outcome = connectWithSecret(options({ retry: { maxTimeMs: 1_000 } })).catch(
      (err: unknown) => err,
    )
    await vi.advanceTimersByTimeAsync(1_000)
    const err = await Promise.race([outcome, Promise.resolve('still waiting')])
    expect(err).toBeInstanceOf(AuthRetryExhaustedError)
    expect((err as AuthRetryExhaustedError).elapsedMs).toBeLessThanOrEqual(1_000)
    // The first attempt, and a last one with the credentials at hand when the refresh was cut off.
    expect((err as AuthRetryExhaustedError).attempts).toBe(2)
    await vi.advanceTimersByTimeAsync(10_000) // let the abandoned request time out
  })

  it('shares one forced refresh between wrappers of one client (pools sharing a client)', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw1')
    await client.getSecretInfo(NAME)
    kms.set('ACSCurrent', 'v2', 'app', 'pw2')
    db.accepts.set('app', 'pw2')
    let releaseFetch: () => void = () => {}
    let refreshes = 0
    const fetch = kms.fetchSecret.bind(kms)
    kms.fetchSecret = async (request) => {
      refreshes += 1
      await new Promise<void>((resolve) => {
        releaseFetch = resolve
      })
      return fetch(request)
    }
    // What a driver wrapper does: one source object per pool, forwarding to the shared client.
    const wrap = () => ({
      getDatabaseCredentials: client.getDatabaseCredentials.bind(client),
      refreshNow: client.refreshNow.bind(client),
    })
    const poolA = wrap()
    const poolB = wrap()
    let openB: () => void = () => {}
    const gateB = new Promise<void>((resolve) => {
      openB = resolve
    })
    const a = Array.from({ length: 5 }, () => connectWithSecret(options({ source: poolA })))
    const b = Array.from({ length: 5 }, () =>
      connectWithSecret(
        options({
          source: poolB,
          connect: async (creds) => {
            if (creds.versionId === 'v1') await gateB
            return db.connect(creds)
          },
        }),
      ),
    )
    // Pool A's refresh is on the wire before pool B's connections fail.
    await vi.waitFor(() => expect(refreshes).toBe(1))
    openB()
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
    releaseFetch()
    const results = await Promise.all([...a, ...b])
    expect(results.map((r) => r.credentials.versionId)).toEqual(Array(10).fill('v2'))
    expect(refreshes).toBe(1)
  })

  it('accepts an unlimited maxAttempts', async () => {
    kms.set('ACSCurrent', 'v1', 'app', 'pw')
    db.accepts.set('app', 'pw')
    const { credentials } = await connectWithSecret(
      options({ retry: { maxAttempts: Number.POSITIVE_INFINITY } }),
    )
    expect(credentials.versionId).toBe('v1')
  })

  it('rejects a bad budget with INVALID_CONFIG', async () => {
    for (const retry of [
      { maxAttempts: 0 },
      { maxAttempts: Number.NaN },
      { maxTimeMs: Number.POSITIVE_INFINITY },
      { maxDelayMs: -1 },
    ]) {
      await expect(connectWithSecret(options({ retry }))).rejects.toSatisfy(
        (err: unknown) => err instanceof SecretClientError && err.code === 'INVALID_CONFIG',
      )
    }
  })
})

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
