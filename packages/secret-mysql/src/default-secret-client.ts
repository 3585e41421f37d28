import { SecretCacheClient } from '@org/secret-client'

let shared: SecretCacheClient | undefined

/**
 * The process-wide client used when an option set has no `secretClient`: built from the
 * environment (`SecretCacheClient.fromEnv()`) on first use, so importing this package reads no
 * environment and opens nothing.
 */
export function defaultSecretClient(): SecretCacheClient {
  shared ??= SecretCacheClient.fromEnv()
  return shared
}

/**
 * Closes the process-wide default client (if one was created), releasing its timers and
 * sockets. A later connection without `secretClient` creates a new one.
 */
export async function closeDefaultSecretClient(): Promise<void> {
  const client = shared
  shared = undefined
  await client?.close()
}
