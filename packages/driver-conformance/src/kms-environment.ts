import { emulatorEnvironment, type KmsEmulator } from '@org/kms-emulator'

/** The environment variables the default secret client is built from. */
export const KMS_ENVIRONMENT_KEYS = [
  'cache_client_region_id',
  'credentials_type',
  'credentials_access_key_id',
  'credentials_access_secret',
  'ALIBABA_CLOUD_REGION_ID',
] as const

/** Saves the KMS environment variables; the returned function puts them back. */
export function saveKmsEnvironment(): () => void {
  const saved = new Map(KMS_ENVIRONMENT_KEYS.map((key) => [key, process.env[key]]))
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

/** Removes every KMS environment variable: a default client then cannot be built. */
export function clearKmsEnvironment(): void {
  for (const key of KMS_ENVIRONMENT_KEYS) delete process.env[key]
}

/** Points the default secret client's environment at `emulator` (access key credentials). */
export function useEmulatorEnvironment(emulator: KmsEmulator): void {
  Object.assign(process.env, emulatorEnvironment(emulator))
}
