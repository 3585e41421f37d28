/** One GetSecretValue call as a region's client makes it. */
export interface GetSecretValueInput {
  /** KMS `SecretName`. */
  secretName: string
  /** KMS `VersionStage`, e.g. `ACSCurrent`. */
  versionStage: string
}

/**
 * Sends GetSecretValue (with `FetchExtendedConfig=true`) and resolves with the response as the SDK
 * returned it: a raw PascalCase map, a `{ body }` envelope or an SDK model. Rejects with the SDK's
 * error untouched. Does not retry. When `signal` fires, a sender that can (the built-in one)
 * destroys the HTTP request; others let it run to its end, ignored.
 */
export type GetSecretValueSender = (
  input: GetSecretValueInput,
  signal: AbortSignal,
) => Promise<unknown>

/** The KMS API version every generation of the SDK speaks. */
export const KMS_API_VERSION = '2016-01-20'
