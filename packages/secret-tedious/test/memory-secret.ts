import type { DatabaseCredentials } from '@org/secret-client'

/**
 * A secret source kept in memory, for tests that drive rotations by hand: `set()` changes what KMS
 * would answer (a new version); what a connection sees is the value it last read (`cached`), as
 * with a caching client, until a refresh. Counts reads and refreshes.
 */
export function memorySecret(
  username: string,
  password: string,
  options: { delayMs?: number } = {},
) {
  let version = 1
  let latest = { username, password }
  let cached: DatabaseCredentials | undefined
  const counts = { reads: 0, refreshes: 0 }
  const read = (): DatabaseCredentials => ({
    ...latest,
    versionId: `v${version}`,
    secretName: 'db/memory',
  })
  const wait = () =>
    options.delayMs ? new Promise((resolve) => setTimeout(resolve, options.delayMs)) : undefined
  return {
    counts,
    /** What the secret holds from now on (the cache keeps the old value until a refresh). */
    set(nextUsername: string, nextPassword: string) {
      latest = { username: nextUsername, password: nextPassword }
      version += 1
    },
    async getDatabaseCredentials(): Promise<DatabaseCredentials> {
      counts.reads += 1
      await wait()
      cached ??= read()
      return cached
    },
    peekDatabaseCredentials: (): DatabaseCredentials | undefined => cached,
    async refreshNow(): Promise<{ versionId: string }> {
      counts.refreshes += 1
      await wait()
      cached = read()
      return { versionId: cached.versionId }
    },
  }
}
