import type {
  DatabaseCredentials,
  DatabaseSecretSource,
  GetSecretOptions,
} from '@org/secret-client'

/** Told of every version a credential read returned: secret, stage and version id. */
export type VersionListener = (secretName: string, versionStage: string, versionId: string) => void

/** A secret source that tells its listeners which versions its reads return. */
export interface ObservedSource extends DatabaseSecretSource {
  /** Starts telling `listener`; returns the function that stops it. */
  listen(listener: VersionListener): () => void
}

/**
 * One observer per secret client. `connectWithSecret` shares a forced refresh between the callers
 * that pass the same source object, so every pool and connection of this package reading one
 * client must pass the same wrapper: a storm of auth failures over several pools then costs one
 * KMS call, not one per pool.
 */
const observers = new WeakMap<DatabaseSecretSource, ObservedSource>()

/** The shared observer of `inner` (created on first use). */
export function observedSource(inner: DatabaseSecretSource): ObservedSource {
  const existing = observers.get(inner)
  if (existing !== undefined) return existing
  const listeners = new Set<VersionListener>()
  const observed: ObservedSource = {
    async getDatabaseCredentials(
      secretName: string,
      options?: GetSecretOptions,
    ): Promise<DatabaseCredentials> {
      const credentials = await inner.getDatabaseCredentials(secretName, options)
      const stage = options?.versionStage ?? 'ACSCurrent'
      for (const listener of listeners) listener(secretName, stage, credentials.versionId)
      return credentials
    },
    refreshNow: (secretName: string, options?: GetSecretOptions) =>
      inner.refreshNow(secretName, options),
    listen(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
  observers.set(inner, observed)
  return observed
}
