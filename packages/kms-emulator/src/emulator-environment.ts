/** What {@link emulatorEnvironment} needs of a running emulator. */
export interface EmulatorEndpoint {
  readonly endpoint: string
  readonly regionId: string
  readonly accessKeyId: string
  readonly accessKeySecret: string
}

/**
 * The environment variables that make `SecretCacheClient.fromEnv()` — and so every driver
 * package's default secret client — call this emulator: the region with its endpoint
 * (`cache_client_region_id`, as the official secret clients read it) and its access key
 * (`credentials_type=ak`). The values include the access key secret: a local test credential,
 * still not for logs.
 */
export function emulatorEnvironment(emulator: EmulatorEndpoint): Record<string, string> {
  return {
    cache_client_region_id: JSON.stringify([
      { regionId: emulator.regionId, endpoint: emulator.endpoint },
    ]),
    credentials_type: 'ak',
    credentials_access_key_id: emulator.accessKeyId,
    credentials_access_secret: emulator.accessKeySecret,
  }
}
