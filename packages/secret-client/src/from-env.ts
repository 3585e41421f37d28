import * as credentialsModule from '@alicloud/credentials'
import { SecretClientError } from './errors.js'
import { cjsDefault } from './kms/cjs-default.js'
import { assertRegionId, resolveEndpoint } from './kms/resolve-endpoint.js'
import type { CredentialProvider, RegionConfig, SecretCacheClientOptions } from './options.js'

/** Environment to read: `process.env` or any string map. */
export type EnvSource = NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>>

/** `credentials_type` values of the official secret clients that this package supports. */
const SUPPORTED_TYPES = ['ak', 'sts', 'ram_role', 'ecs_ram_role', 'oidc_role_arn'] as const

interface Found {
  key: string
  value: string
}

/**
 * Reads `key` as the official clients spell it (lowercase), or in upper case as environment
 * variables usually are. Blank values count as unset.
 */
function read(env: EnvSource, key: string): Found | undefined {
  for (const name of [key, key.toUpperCase()]) {
    const value = env[name]
    if (typeof value === 'string' && value.trim() !== '') return { key: name, value: value.trim() }
  }
  return undefined
}

function invalid(message: string, cause?: unknown): SecretClientError {
  return new SecretClientError(
    'INVALID_CONFIG',
    message,
    cause === undefined ? undefined : { cause },
  )
}

function required(env: EnvSource, type: string, key: string, fallback?: string): string {
  const found = read(env, key) ?? (fallback === undefined ? undefined : read(env, fallback))
  if (found === undefined) {
    throw invalid(`${key} is required when credentials_type is "${type}"`)
  }
  return found.value
}

function optional(env: EnvSource, key: string, fallback?: string): string | undefined {
  return (read(env, key) ?? (fallback === undefined ? undefined : read(env, fallback)))?.value
}

function parseRegions(found: Found): RegionConfig[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(found.value)
  } catch {
    // No cause: V8's SyntaxError quotes the text around the error, which may hold an endpoint
    // with credentials in it.
    throw invalid(
      `${found.key} is not valid JSON: expected [{"regionId":"cn-hangzhou","endpoint":"…","vpc":false}]`,
    )
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw invalid(`${found.key} must be a non-empty JSON array of {"regionId", "endpoint", "vpc"}`)
  }
  return parsed.map((item: unknown, i): RegionConfig => {
    const at = `${found.key}[${i}]`
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw invalid(`${at} must be an object {"regionId", "endpoint", "vpc"}`)
    }
    const { regionId, endpoint, vpc } = item as Record<string, unknown>
    assertRegionId(regionId, `${at}.regionId`)
    // The Java client writes vpc as a JSON boolean; properties files sometimes quote it.
    let isVpc: boolean | undefined
    if (vpc === undefined || vpc === null) isVpc = undefined
    else if (vpc === true || vpc === 'true') isVpc = true
    else if (vpc === false || vpc === 'false') isVpc = false
    else throw invalid(`${at}.vpc must be true or false`)
    const region: RegionConfig = { regionId }
    if (endpoint !== undefined && endpoint !== null && endpoint !== '') {
      // Validate now so the error names the environment key, not a derived option.
      resolveEndpoint(endpoint, regionId, isVpc ?? false, `${at}.endpoint`)
      region.endpoint = endpoint as string
    }
    if (isVpc !== undefined) region.vpc = isVpc
    return region
  })
}

type CredentialConfig = Record<string, string | undefined> & { type: string }

function credentialConfig(env: EnvSource, found: Found): CredentialConfig {
  const type = found.value.toLowerCase()
  switch (type) {
    case 'ak':
      return {
        type: 'access_key',
        accessKeyId: required(env, type, 'credentials_access_key_id'),
        accessKeySecret: required(env, type, 'credentials_access_secret'),
      }
    case 'sts':
    case 'ram_role':
      // The official clients' "sts"/"ram_role" assume a RAM role with an access key.
      return {
        type: 'ram_role_arn',
        accessKeyId: required(env, type, 'credentials_access_key_id'),
        accessKeySecret: required(env, type, 'credentials_access_secret'),
        roleArn: required(env, type, 'credentials_role_arn'),
        roleSessionName: optional(env, 'credentials_role_session_name'),
        policy: optional(env, 'credentials_policy'),
      }
    case 'ecs_ram_role':
      // Without a role name the library asks the ECS metadata service for it.
      return { type: 'ecs_ram_role', roleName: optional(env, 'credentials_role_name') }
    case 'oidc_role_arn':
      // Falls back to the variables ACK RRSA injects into pods.
      return {
        type: 'oidc_role_arn',
        roleArn: required(env, type, 'credentials_role_arn', 'ALIBABA_CLOUD_ROLE_ARN'),
        oidcProviderArn: required(
          env,
          type,
          'credentials_oidc_provider_arn',
          'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
        ),
        oidcTokenFilePath: required(
          env,
          type,
          'credentials_oidc_token_file_path',
          'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
        ),
        roleSessionName: optional(
          env,
          'credentials_role_session_name',
          'ALIBABA_CLOUD_ROLE_SESSION_NAME',
        ),
      }
    case 'token':
    case 'client_key':
      throw invalid(
        `${found.key} "${type}" (dedicated KMS instance application access) is not supported; use one of ${SUPPORTED_TYPES.join(', ')}`,
      )
    default:
      throw invalid(
        `${found.key} must be one of ${SUPPORTED_TYPES.join(', ')} (got an unknown value)`,
      )
  }
}

function buildCredential(config: CredentialConfig): CredentialProvider {
  const Credential = cjsDefault<new (config: object) => CredentialProvider>(credentialsModule)
  const ns = credentialsModule as unknown as {
    Config?: new (map: object) => object
    default?: { Config?: new (map: object) => object }
  }
  const Config = ns.Config ?? ns.default?.Config
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined))
  try {
    return new Credential(Config ? new Config(defined) : defined)
  } catch (cause) {
    // The library's messages name fields, never values; keep it as the cause.
    throw invalid(`credentials_type "${config.type}": the credential could not be created`, cause)
  }
}

/**
 * Builds {@link SecretCacheClientOptions} from the configuration keys of the official Alibaba
 * Cloud secret clients (Java/Go/Python), read from `env` in lowercase or upper case:
 *
 * | key | becomes |
 * |---|---|
 * | `cache_client_region_id` | `regions`, from `[{"regionId":"cn-hangzhou","endpoint":"…","vpc":false}]` |
 * | `ALIBABA_CLOUD_REGION_ID` | `regionId`, when `cache_client_region_id` is unset |
 * | `credentials_type` | `credential`: `ak`, `sts`/`ram_role` (RAM role ARN), `ecs_ram_role`, `oidc_role_arn` |
 * | `credentials_access_key_id`, `credentials_access_secret` | access key (`ak`, `sts`/`ram_role`) |
 * | `credentials_role_arn`, `credentials_role_session_name`, `credentials_policy` | role to assume (`sts`/`ram_role`, `oidc_role_arn`) |
 * | `credentials_role_name` | ECS instance RAM role (`ecs_ram_role`, optional) |
 * | `credentials_oidc_provider_arn`, `credentials_oidc_token_file_path` | `oidc_role_arn` (fall back to `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE`) |
 * | `cache_client_ttl` | `ttlMs` (milliseconds) |
 *
 * Without `credentials_type` no `credential` is set, so the client uses the default
 * `@alicloud/credentials` chain, which reads `ALIBABA_CLOUD_ACCESS_KEY_ID`,
 * `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, `ALIBABA_CLOUD_SECURITY_TOKEN`, OIDC variables, config files
 * and the ECS role itself — from `process.env`. Without a region key no region is set (pass
 * `regionId`/`endpoint` yourself).
 *
 * @param env - @default process.env
 * @throws {@link SecretClientError} `INVALID_CONFIG` whose message names the key (unknown
 *   `credentials_type`, malformed `cache_client_region_id`, a key the chosen type requires);
 *   values of keys are never quoted.
 */
export function optionsFromEnv(env: EnvSource = process.env): SecretCacheClientOptions {
  const options: SecretCacheClientOptions = {}
  const regions = read(env, 'cache_client_region_id')
  if (regions) {
    options.regions = parseRegions(regions)
  } else {
    const regionId = read(env, 'ALIBABA_CLOUD_REGION_ID')
    if (regionId) {
      assertRegionId(regionId.value, regionId.key)
      options.regionId = regionId.value
    }
  }
  const type = read(env, 'credentials_type')
  if (type) options.credential = buildCredential(credentialConfig(env, type))
  const ttl = read(env, 'cache_client_ttl')
  if (ttl) {
    const ttlMs = Number(ttl.value)
    if (!/^\d+$/.test(ttl.value) || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
      throw invalid(`${ttl.key} must be a positive whole number of milliseconds`)
    }
    options.ttlMs = ttlMs
  }
  return options
}
