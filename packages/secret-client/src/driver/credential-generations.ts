import type { RefreshEvent } from '../events.js'
import type { DatabaseCredentials, GetSecretOptions, VersionStage } from '../types.js'
import type { DatabaseSecretSource } from './rotation-attempt.js'

/** The event subset of `SecretCacheClient` a tracker follows, when its source has it. */
interface RefreshEvents {
  on(event: 'refresh', listener: (event: RefreshEvent) => void): unknown
  off(event: 'refresh', listener: (event: RefreshEvent) => void): unknown
}

/** Options of {@link CredentialGenerations}. */
export interface CredentialGenerationsOptions {
  /** The secret followed. */
  secretName: string
  /**
   * Stage followed.
   * @default 'ACSCurrent'
   */
  versionStage?: VersionStage
  /** The credential source, resolved on first use (a default client is created lazily). */
  source: () => DatabaseSecretSource
  /**
   * Called when the current version changes after the first one: the pool retires what
   * {@link CredentialGenerations.isStale} now reports.
   */
  onRotation?(current: string, previous: string): void
}

/**
 * The credential generations of one pool. A generation is a secret version: each physical
 * connection remembers the version it logged in with, and the tracker knows the current one — the
 * newest version read for the followed stage, by this pool's own reads or announced by the
 * secret client's `refresh` event (a refresh-ahead, another pool's forced refresh). When it
 * changes, {@link CredentialGenerationsOptions.onRotation} runs and connections of other versions
 * are stale: a pool closes its idle stale connections at once and busy ones when released, so they
 * finish their work untouched. A connection opened with `ACSPrevious` credentials (the database
 * lagging the secret) is stale from the start: it serves the checkout it was opened for.
 */
export class CredentialGenerations {
  readonly #secretName: string
  readonly #stage: VersionStage
  readonly #resolveSource: () => DatabaseSecretSource
  readonly #onRotation: ((current: string, previous: string) => void) | undefined
  #source: DatabaseSecretSource | undefined
  #events: RefreshEvents | undefined
  #closed = false
  #current: string | undefined
  #generation = 0
  /** Generation of every version that was current. */
  readonly #generations = new Map<string, number>()
  /** The version each pooled connection logged in with. */
  readonly #members = new WeakMap<object, string>()
  readonly #onRefresh = (event: RefreshEvent): void => {
    if (event.secretName === this.#secretName && event.versionStage === this.#stage) {
      this.note(event.versionId)
    }
  }

  constructor(options: CredentialGenerationsOptions) {
    this.#secretName = options.secretName
    this.#stage = options.versionStage ?? 'ACSCurrent'
    this.#resolveSource = options.source
    this.#onRotation = options.onRotation
  }

  /** Version of the current generation, once one was seen. */
  get current(): string | undefined {
    return this.#current
  }

  /** Bumped whenever the current version changes; starts at 0. */
  get generation(): number {
    return this.#generation
  }

  /**
   * The credential source for the pool's connections: the resolved source, whose reads of the
   * followed stage note the version they return. The first call resolves it and starts following
   * its `refresh` events (until {@link CredentialGenerations.close}).
   * @throws whatever resolving the source throws (e.g. a default client without KMS settings).
   */
  source(): DatabaseSecretSource {
    if (this.#source !== undefined) return this.#source
    const inner = this.#resolveSource()
    const events = inner as Partial<RefreshEvents>
    if (!this.#closed && typeof events.on === 'function' && typeof events.off === 'function') {
      this.#events = events as RefreshEvents
      this.#events.on('refresh', this.#onRefresh)
    }
    this.#source = {
      getDatabaseCredentials: async (
        secretName: string,
        options?: GetSecretOptions,
      ): Promise<DatabaseCredentials> => {
        const credentials = await inner.getDatabaseCredentials(secretName, options)
        if (
          secretName === this.#secretName &&
          (options?.versionStage ?? 'ACSCurrent') === this.#stage
        ) {
          this.note(credentials.versionId)
        }
        return credentials
      },
      refreshNow: (secretName: string, options?: GetSecretOptions) =>
        inner.refreshNow(secretName, options),
    }
    const peek = inner.peekDatabaseCredentials
    if (peek !== undefined) {
      this.#source.peekDatabaseCredentials = (secretName, options) => {
        const credentials = peek.call(inner, secretName, options)
        if (
          credentials !== undefined &&
          secretName === this.#secretName &&
          (options?.versionStage ?? 'ACSCurrent') === this.#stage
        ) {
          this.note(credentials.versionId)
        }
        return credentials
      }
    }
    return this.#source
  }

  /** Records `versionId` as the current version (a no-op when it already is). */
  note(versionId: string): void {
    const previous = this.#current
    if (previous === versionId) return
    this.#current = versionId
    if (previous !== undefined) this.#generation += 1
    this.#generations.set(versionId, this.#generation)
    if (previous !== undefined && !this.#closed) this.#onRotation?.(versionId, previous)
  }

  /** Whether a connection that logged in with `versionId` belongs to an older generation. */
  isStale(versionId: string | undefined): boolean {
    return versionId !== undefined && this.#current !== undefined && versionId !== this.#current
  }

  /**
   * Records that `member` (a pooled connection) logged in with `versionId`. A member keeps the
   * version it was first recorded with: a pool that hands out a connection it had, instead of
   * opening one, does not change it.
   */
  remember(member: object, versionId: string): void {
    if (!this.#members.has(member)) this.#members.set(member, versionId)
  }

  /** The version `member` logged in with; `undefined` for one never recorded. */
  versionOf(member: object): string | undefined {
    return this.#members.get(member)
  }

  /** Whether `member` logged in with a version of an older generation (see `isStale`). */
  isStaleMember(member: object): boolean {
    return this.isStale(this.#members.get(member))
  }

  /**
   * The generation `versionId` was current in; -1 when it never was (an `ACSPrevious` fallback);
   * `undefined` for `undefined`.
   */
  generationOf(versionId: string | undefined): number | undefined {
    if (versionId === undefined) return undefined
    return this.#generations.get(versionId) ?? -1
  }

  /** Stops following the source's `refresh` events (the pool ended). */
  close(): void {
    this.#closed = true
    this.#events?.off('refresh', this.#onRefresh)
    this.#events = undefined
  }
}
