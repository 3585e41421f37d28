import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CredentialGenerations } from '../../src/driver/credential-generations.js'
import type { DatabaseSecretSource } from '../../src/driver/rotation-attempt.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import type {
  DatabaseCredentials,
  FetchSecretRequest,
  GetSecretOptions,
  SecretRecord,
} from '../../src/types.js'

const NAME = 'db/app'

/** A tiny KMS: versions by secret and stage, and a fetch counter. */
class FakeKms {
  readonly records = new Map<string, SecretRecord>()
  fetches = 0

  set(secretName: string, stage: string, versionId: string, account = 'app'): void {
    this.records.set(`${secretName}|${stage}`, {
      secretName,
      versionId,
      secretValue: JSON.stringify({ AccountName: account, AccountPassword: `pw-${versionId}` }),
      versionStages: [stage],
    })
  }

  async fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    this.fetches += 1
    const found = this.records.get(`${request.secretName}|${request.versionStage}`)
    if (!found) throw Object.assign(new Error('kms'), { code: 'Forbidden.ResourceNotFound' })
    return found
  }
}

type Rotation = [current: string, previous: string]

let kms: FakeKms
let client: SecretCacheClient
let rotations: Rotation[]

function tracker(extra: Partial<ConstructorParameters<typeof CredentialGenerations>[0]> = {}) {
  return new CredentialGenerations({
    secretName: NAME,
    source: () => client,
    onRotation: (current, previous) => rotations.push([current, previous]),
    ...extra,
  })
}

beforeEach(() => {
  kms = new FakeKms()
  client = new SecretCacheClient({ fetcher: kms, retry: { maxAttempts: 1 } })
  rotations = []
})

afterEach(async () => {
  await client.close()
})

describe('CredentialGenerations: note', () => {
  it('starts with no current version at generation 0', () => {
    const generations = tracker()
    expect(generations.current).toBeUndefined()
    expect(generations.generation).toBe(0)
  })

  it('the first note sets current without a rotation; generation stays 0', () => {
    const generations = tracker()
    generations.note('v1')
    expect(generations.current).toBe('v1')
    expect(generations.generation).toBe(0)
    expect(rotations).toEqual([])
  })

  it('a new version bumps the generation and calls onRotation(current, previous)', () => {
    const generations = tracker()
    generations.note('v1')
    generations.note('v2')
    expect(generations.current).toBe('v2')
    expect(generations.generation).toBe(1)
    expect(rotations).toEqual([['v2', 'v1']])
    generations.note('v3')
    expect(generations.generation).toBe(2)
    expect(rotations).toEqual([
      ['v2', 'v1'],
      ['v3', 'v2'],
    ])
  })

  it('the same version again is a no-op', () => {
    const generations = tracker()
    generations.note('v1')
    generations.note('v2')
    generations.note('v2')
    generations.note('v2')
    expect(generations.generation).toBe(1)
    expect(rotations).toEqual([['v2', 'v1']])
  })

  it('works without onRotation', () => {
    const generations = new CredentialGenerations({ secretName: NAME, source: () => client })
    generations.note('v1')
    expect(() => generations.note('v2')).not.toThrow()
    expect(generations.generation).toBe(1)
  })

  it('isStale: only a known version other than the current one is stale', () => {
    const generations = tracker()
    expect(generations.isStale('v1')).toBe(false) // nothing current yet
    generations.note('v1')
    expect(generations.isStale('v1')).toBe(false)
    expect(generations.isStale(undefined)).toBe(false)
    expect(generations.isStale('v0')).toBe(true) // e.g. an ACSPrevious fallback
    generations.note('v2')
    expect(generations.isStale('v1')).toBe(true)
    expect(generations.isStale('v2')).toBe(false)
  })

  it('generationOf: the generation a version was current in, -1 if never, undefined for undefined', () => {
    const generations = tracker()
    expect(generations.generationOf('v1')).toBe(-1)
    generations.note('v1')
    generations.note('v2')
    expect(generations.generationOf('v1')).toBe(0)
    expect(generations.generationOf('v2')).toBe(1)
    expect(generations.generationOf('v0')).toBe(-1)
    expect(generations.generationOf(undefined)).toBeUndefined()
    // A version that becomes current again belongs to its newest generation.
    generations.note('v1')
    expect(generations.generation).toBe(2)
    expect(generations.generationOf('v1')).toBe(2)
    expect(rotations.at(-1)).toEqual(['v1', 'v2'])
  })

  it('after close() no onRotation is called (the current version is still tracked)', () => {
    const generations = tracker()
    generations.note('v1')
    generations.close()
    generations.note('v2')
    expect(rotations).toEqual([])
    expect(generations.current).toBe('v2')
  })
})

describe('CredentialGenerations: source()', () => {
  /** A source that records its calls and answers from a map of versions by stage. */
  function recordingSource(): DatabaseSecretSource & {
    reads: Array<[string, GetSecretOptions | undefined]>
    refreshes: Array<[string, GetSecretOptions | undefined]>
    versions: Map<string, DatabaseCredentials>
  } {
    const versions = new Map<string, DatabaseCredentials>()
    const reads: Array<[string, GetSecretOptions | undefined]> = []
    const refreshes: Array<[string, GetSecretOptions | undefined]> = []
    return {
      versions,
      reads,
      refreshes,
      async getDatabaseCredentials(secretName, options) {
        reads.push([secretName, options])
        const found = versions.get(`${secretName}|${options?.versionStage ?? 'ACSCurrent'}`)
        if (found === undefined) throw new Error('no such version')
        return found
      },
      async refreshNow(secretName, options) {
        refreshes.push([secretName, options])
        return { versionId: 'refreshed' }
      },
    }
  }

  function creds(secretName: string, versionId: string): DatabaseCredentials {
    return { username: 'app', password: `pw-${versionId}`, versionId, secretName }
  }

  it('is resolved lazily, once, and returns the same wrapper each time', () => {
    const inner = recordingSource()
    let resolves = 0
    const generations = tracker({
      source: () => {
        resolves += 1
        return inner
      },
    })
    expect(resolves).toBe(0)
    const first = generations.source()
    expect(resolves).toBe(1)
    expect(generations.source()).toBe(first)
    expect(resolves).toBe(1)
  })

  it('throws whatever resolving the source throws, and tries again on the next call', () => {
    let fail = true
    const inner = recordingSource()
    const generations = tracker({
      source: () => {
        if (fail) throw new Error('no KMS settings')
        return inner
      },
    })
    expect(() => generations.source()).toThrow('no KMS settings')
    fail = false
    expect(() => generations.source()).not.toThrow()
  })

  it('reads of the followed secret and stage note their version; the credentials object is passed through', async () => {
    const inner = recordingSource()
    const v1 = creds(NAME, 'v1')
    inner.versions.set(`${NAME}|ACSCurrent`, v1)
    const generations = tracker({ source: () => inner })
    const wrapped = generations.source()
    const signal = new AbortController().signal
    const got = await wrapped.getDatabaseCredentials(NAME, { signal })
    // Identity matters: shared forced refreshes are keyed on the credentials object.
    expect(got).toBe(v1)
    expect(inner.reads).toEqual([[NAME, { signal }]])
    expect(generations.current).toBe('v1')
    const v2 = creds(NAME, 'v2')
    inner.versions.set(`${NAME}|ACSCurrent`, v2)
    expect(await wrapped.getDatabaseCredentials(NAME, { versionStage: 'ACSCurrent' })).toBe(v2)
    expect(generations.current).toBe('v2')
    expect(rotations).toEqual([['v2', 'v1']])
  })

  it('reads of another stage or another secret do not note their version', async () => {
    const inner = recordingSource()
    inner.versions.set(`${NAME}|ACSCurrent`, creds(NAME, 'v2'))
    inner.versions.set(`${NAME}|ACSPrevious`, creds(NAME, 'v1'))
    inner.versions.set('db/other|ACSCurrent', creds('db/other', 'o7'))
    const generations = tracker({ source: () => inner })
    const wrapped = generations.source()
    await wrapped.getDatabaseCredentials(NAME)
    const previous = await wrapped.getDatabaseCredentials(NAME, { versionStage: 'ACSPrevious' })
    expect(previous.versionId).toBe('v1')
    await wrapped.getDatabaseCredentials('db/other')
    expect(generations.current).toBe('v2')
    expect(generations.generation).toBe(0)
    expect(rotations).toEqual([])
    expect(generations.isStale('v1')).toBe(true)
    expect(generations.generationOf('v1')).toBe(-1)
  })

  it('follows a custom stage when versionStage is given', async () => {
    const inner = recordingSource()
    inner.versions.set(`${NAME}|ACSCurrent`, creds(NAME, 'c1'))
    inner.versions.set(`${NAME}|Blue`, creds(NAME, 'b1'))
    const generations = tracker({ source: () => inner, versionStage: 'Blue' })
    const wrapped = generations.source()
    await wrapped.getDatabaseCredentials(NAME)
    expect(generations.current).toBeUndefined()
    await wrapped.getDatabaseCredentials(NAME, { versionStage: 'Blue' })
    expect(generations.current).toBe('b1')
  })

  it('a failed read notes nothing and rejects with the source error', async () => {
    const inner = recordingSource()
    const generations = tracker({ source: () => inner })
    await expect(generations.source().getDatabaseCredentials(NAME)).rejects.toThrow(
      'no such version',
    )
    expect(generations.current).toBeUndefined()
  })

  it('refreshNow passes through, arguments and result', async () => {
    const inner = recordingSource()
    const generations = tracker({ source: () => inner })
    const options = { versionStage: 'ACSPrevious' }
    expect(await generations.source().refreshNow(NAME, options)).toEqual({
      versionId: 'refreshed',
    })
    expect(inner.refreshes).toEqual([[NAME, options]])
    expect(inner.refreshes[0]?.[1]).toBe(options)
    // A refresh result is not a read: only the client's refresh event announces it.
    expect(generations.current).toBeUndefined()
  })

  it('does not subscribe to a source without on/off', () => {
    const inner = recordingSource()
    const generations = tracker({ source: () => inner })
    expect(() => generations.source()).not.toThrow()
    expect(() => generations.close()).not.toThrow()
  })
})

describe('CredentialGenerations: the client refresh event', () => {
  it("follows a real SecretCacheClient's refresh events once source() was called", async () => {
    kms.set(NAME, 'ACSCurrent', 'v1')
    const generations = tracker()
    // Not subscribed before source(): this load goes unnoticed.
    await client.getSecretInfo(NAME)
    expect(generations.current).toBeUndefined()
    generations.source()
    kms.set(NAME, 'ACSCurrent', 'v2', 'app_clone')
    // A refresh by someone else (another pool, refresh-ahead) announces the new version.
    await client.refreshNow(NAME)
    expect(generations.current).toBe('v2')
    expect(rotations).toEqual([])
    kms.set(NAME, 'ACSCurrent', 'v3')
    await client.refreshNow(NAME)
    expect(generations.current).toBe('v3')
    expect(rotations).toEqual([['v3', 'v2']])
    generations.close()
  })

  it('notes the version of a read through its source and of later refreshes', async () => {
    kms.set(NAME, 'ACSCurrent', 'v1')
    const generations = tracker()
    const credentials = await generations.source().getDatabaseCredentials(NAME)
    expect(credentials).toBe(await client.getDatabaseCredentials(NAME))
    expect(generations.current).toBe('v1')
    kms.set(NAME, 'ACSCurrent', 'v2')
    await client.refreshNow(NAME)
    expect(generations.current).toBe('v2')
    expect(generations.generation).toBe(1)
    expect(rotations).toEqual([['v2', 'v1']])
    expect(generations.isStale(credentials.versionId)).toBe(true)
    generations.close()
  })

  it('ignores refresh events of another stage or another secret', async () => {
    kms.set(NAME, 'ACSCurrent', 'v2')
    kms.set(NAME, 'ACSPrevious', 'v1')
    kms.set('db/other', 'ACSCurrent', 'o1')
    const generations = tracker()
    await generations.source().getDatabaseCredentials(NAME)
    await client.refreshNow(NAME, { versionStage: 'ACSPrevious' })
    await client.refreshNow('db/other')
    expect(generations.current).toBe('v2')
    expect(rotations).toEqual([])
    generations.close()
  })

  it('close() unsubscribes: later refreshes neither rotate nor change current', async () => {
    kms.set(NAME, 'ACSCurrent', 'v1')
    const off = vi.spyOn(client, 'off')
    const generations = tracker()
    await generations.source().getDatabaseCredentials(NAME)
    generations.close()
    expect(off).toHaveBeenCalledWith('refresh', expect.any(Function))
    kms.set(NAME, 'ACSCurrent', 'v2')
    await client.refreshNow(NAME)
    expect(rotations).toEqual([])
    // Not even noted: the listener is gone (not merely silenced).
    expect(generations.current).toBe('v1')
    generations.close() // idempotent
  })

  it('close() before source() means source() never subscribes', async () => {
    kms.set(NAME, 'ACSCurrent', 'v1')
    const on = vi.spyOn(client, 'on')
    const generations = tracker()
    generations.close()
    const credentials = await generations.source().getDatabaseCredentials(NAME)
    expect(credentials.versionId).toBe('v1')
    expect(on).not.toHaveBeenCalled()
    kms.set(NAME, 'ACSCurrent', 'v2')
    await client.refreshNow(NAME)
    expect(generations.current).toBe('v1')
    expect(rotations).toEqual([])
  })

  it('subscribes one listener per tracker, whatever the number of source() calls', async () => {
    kms.set(NAME, 'ACSCurrent', 'v1')
    const on = vi.spyOn(client, 'on')
    const generations = tracker()
    generations.source()
    generations.source()
    expect(on).toHaveBeenCalledTimes(1)
    expect(on).toHaveBeenCalledWith('refresh', expect.any(Function))
    generations.close()
  })
})

describe('CredentialGenerations: the wrapped source peeks too', () => {
  it('a peek of the followed secret and stage notes its version; other peeks do not', async () => {
    kms.set(NAME, 'ACSCurrent', 'v1')
    kms.set(NAME, 'ACSPrevious', 'v0')
    kms.set('db/other', 'ACSCurrent', 'o1')
    // A source without refresh events: only what goes through the tracker's source is noted.
    const generations = tracker({
      source: () => ({
        getDatabaseCredentials: client.getDatabaseCredentials.bind(client),
        refreshNow: client.refreshNow.bind(client),
        peekDatabaseCredentials: client.peekDatabaseCredentials.bind(client),
      }),
    })
    const source = generations.source()
    expect(source.peekDatabaseCredentials?.(NAME, { versionStage: 'ACSCurrent' })).toBeUndefined()
    const read = await client.getDatabaseCredentials(NAME)
    await client.getDatabaseCredentials(NAME, { versionStage: 'ACSPrevious' })
    await client.getDatabaseCredentials('db/other')
    // Reads through the client directly are not the tracker's: nothing noted yet.
    expect(generations.current).toBeUndefined()
    expect(source.peekDatabaseCredentials?.(NAME, { versionStage: 'ACSPrevious' })?.versionId).toBe(
      'v0',
    )
    expect(source.peekDatabaseCredentials?.('db/other')?.versionId).toBe('o1')
    expect(generations.current).toBeUndefined()
    // The same object as the client's own (shared refreshes key on it).
    expect(source.peekDatabaseCredentials?.(NAME, { versionStage: 'ACSCurrent' })).toBe(read)
    expect(generations.current).toBe('v1')
  })

  it('has no peek when the source has none', () => {
    const generations = new CredentialGenerations({
      secretName: NAME,
      source: () => ({
        getDatabaseCredentials: () => Promise.reject(new Error('unused')),
        refreshNow: () => Promise.reject(new Error('unused')),
      }),
    })
    expect(generations.source().peekDatabaseCredentials).toBeUndefined()
  })
})

describe('CredentialGenerations members', () => {
  it('remembers the first version of a member and judges it against the current one', () => {
    const generations = tracker()
    const a = {}
    const b = {}
    generations.note('v1')
    generations.remember(a, 'v1')
    // Handed out again after a later login: keeps the version it logged in with.
    generations.remember(a, 'v2')
    expect(generations.versionOf(a)).toBe('v1')
    expect(generations.versionOf(b)).toBeUndefined()
    expect(generations.isStaleMember(a)).toBe(false)
    expect(generations.isStaleMember(b)).toBe(false)
    generations.note('v2')
    generations.remember(b, 'v2')
    expect(generations.isStaleMember(a)).toBe(true)
    expect(generations.isStaleMember(b)).toBe(false)
    generations.close()
  })
})
