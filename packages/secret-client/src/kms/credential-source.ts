import * as credentialsModule from '@alicloud/credentials'
import { SecretClientError } from '../errors.js'
import type { AccessKeyCredentials, CredentialProvider } from '../options.js'
import { cjsDefault } from './cjs-default.js'

/** What the SDK signs with: `@alicloud/openapi-client` calls `getCredential()` once per request. */
export interface SigningCredential {
  /** Access key id (sent in the clear as part of the signature). */
  accessKeyId: string
  /** Access key secret (only used to sign; never logged). */
  accessKeySecret: string
  /** STS token of temporary credentials. */
  securityToken: string | undefined
}

function isProvider(value: unknown): value is CredentialProvider {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as CredentialProvider).getCredential === 'function'
  )
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

/**
 * Throws `INVALID_CONFIG` unless `credential` is a provider with `getCredential()` or a static
 * access key. The message names the field, never its value.
 */
export function assertCredentialOption(
  credential: unknown,
): asserts credential is CredentialProvider | AccessKeyCredentials | undefined {
  if (credential === undefined || isProvider(credential)) return
  if (credential === null || typeof credential !== 'object') {
    throw new SecretClientError(
      'INVALID_CONFIG',
      'credential must be an @alicloud/credentials Credential or { accessKeyId, accessKeySecret }',
    )
  }
  const { accessKeyId, accessKeySecret, securityToken } = credential as Record<string, unknown>
  for (const [field, value] of [
    ['accessKeyId', accessKeyId],
    ['accessKeySecret', accessKeySecret],
  ] as const) {
    if (!isNonEmptyString(value)) {
      throw new SecretClientError(
        'INVALID_CONFIG',
        `credential.${field} must be a non-empty string`,
      )
    }
  }
  if (securityToken !== undefined && !isNonEmptyString(securityToken)) {
    throw new SecretClientError(
      'INVALID_CONFIG',
      'credential.securityToken must be a non-empty string when set',
    )
  }
}

/**
 * The credential the built-in KMS clients sign with. Wraps the `credential` option so that
 *
 * - the default chain (`new Credential()`) is created on the first request, not at construction,
 *   so a client can be built where no credentials are configured yet;
 * - a provider failure (nothing in the chain, an STS/ECS metadata call failing, an empty key)
 *   becomes `INVALID_CONFIG` with the original error as `cause` — it is a set-up problem that a
 *   retry or another region does not fix, and it is not KMS denying access;
 * - the static key lives in a private field, so `util.inspect` of an SDK client never shows it.
 */
export class CredentialSource {
  readonly #static: SigningCredential | undefined
  #provider: CredentialProvider | undefined

  constructor(credential: CredentialProvider | AccessKeyCredentials | undefined) {
    if (credential === undefined || isProvider(credential)) {
      this.#provider = credential
    } else {
      this.#static = {
        accessKeyId: credential.accessKeyId,
        accessKeySecret: credential.accessKeySecret,
        securityToken: credential.securityToken,
      }
    }
  }

  /** Returns the credential to sign one request with. */
  async getCredential(): Promise<SigningCredential> {
    if (this.#static) return this.#static
    let result: Awaited<ReturnType<CredentialProvider['getCredential']>>
    try {
      this.#provider ??= createDefaultCredential()
      result = await this.#provider.getCredential()
    } catch (cause) {
      if (cause instanceof SecretClientError) throw cause
      throw new SecretClientError(
        'INVALID_CONFIG',
        'credential: could not obtain KMS credentials from the credential provider',
        { cause: redacted(cause) },
      )
    }
    if (!isNonEmptyString(result?.accessKeyId) || !isNonEmptyString(result.accessKeySecret)) {
      throw new SecretClientError(
        'INVALID_CONFIG',
        'credential: the credential provider returned no access key',
      )
    }
    return {
      accessKeyId: result.accessKeyId,
      accessKeySecret: result.accessKeySecret,
      securityToken: isNonEmptyString(result.securityToken) ? result.securityToken : undefined,
    }
  }

  toString(): string {
    return 'CredentialSource'
  }
}

// Field names whose values must never be shown, as JSON (`"AccessKeySecret":"…"`) or `k=v`.
const SECRET_FIELD =
  /("?(?:AccessKeySecret|SecurityToken|accessKeySecret|securityToken|access_key_secret|sts_token|BearerToken)"?\s*[:=]\s*)("[^"]*"|[^\s,}&]+)/g

/**
 * A copy of a credential provider's error with secret-looking fields masked: some
 * `@alicloud/credentials` providers quote the credential service's response in their messages
 * (e.g. a credentials-URI answer missing only its token), and that response carries the secret.
 */
function redacted(err: unknown): Error {
  const source = err instanceof Error ? err : new Error(String(err))
  const copy = new Error(source.message.replace(SECRET_FIELD, '$1"******"'))
  copy.name = source.name
  const code = (source as { code?: unknown }).code
  if (code !== undefined) Object.assign(copy, { code })
  // The original stack repeats the unmasked message.
  copy.stack = `${copy.name}: ${copy.message}`
  return copy
}

/** The official default chain: env, OIDC, config files, ECS RAM role, credentials URI. */
function createDefaultCredential(): CredentialProvider {
  const Credential = cjsDefault<new () => CredentialProvider>(credentialsModule)
  return new Credential()
}
