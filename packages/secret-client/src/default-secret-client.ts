import { SecretCacheClient } from './secret-cache-client.js'

// Kept on globalThis under a registered symbol so that every copy of this package in a process
// (its ESM and CJS builds, or two installed versions) shares one client and one cache.
const KEY = Symbol.for('@org/secret-client.defaultSecretClient')
type Holder = { [KEY]?: SecretCacheClient }

/**
 * The process-wide client that the driver packages use when no `secretClient` option is given:
 * built from the environment (`SecretCacheClient.fromEnv()`) on first use — importing a driver reads
 * no environment and opens nothing — then shared by every connection and pool of every driver, so a
 * rotation costs one KMS read for the whole process.
 *
 * @throws {@link SecretClientError} `INVALID_CONFIG` when the environment does not configure KMS.
 */
export function defaultSecretClient(): SecretCacheClient {
  const holder = globalThis as Holder
  holder[KEY] ??= SecretCacheClient.fromEnv()
  return holder[KEY]
}

/**
 * Closes the process-wide default client, if one was created, releasing its timers and sockets.
 * Call it at shutdown after ending your pools; a later connection without `secretClient` creates a
 * new one. Clients passed through the `secretClient` option are yours to close.
 */
export async function closeDefaultSecretClient(): Promise<void> {
  const holder = globalThis as Holder
  const client = holder[KEY]
  delete holder[KEY]
  await client?.close()
}
