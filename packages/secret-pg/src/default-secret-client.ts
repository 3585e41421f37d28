import { SecretCacheClient } from '@org/secret-client'

let shared: SecretCacheClient | undefined

/**
 * The process-wide client used when no `secretClient` option is given: built from the environment
 * (`SecretCacheClient.fromEnv()`) on first use, then shared by every `Client` and `Pool`.
 * @internal
 * @throws `SecretClientError` `INVALID_CONFIG` when the environment does not configure KMS.
 */
export function defaultSecretClient(): SecretCacheClient {
  shared ??= SecretCacheClient.fromEnv()
  return shared
}

/**
 * Closes the process-wide default secret client, if one was created (a later connection creates
 * a new one). Call it at shutdown after ending your pools; clients given through the
 * `secretClient` option are yours to close.
 */
export async function closeDefaultSecretClient(): Promise<void> {
  const client = shared
  shared = undefined
  await client?.close()
}
