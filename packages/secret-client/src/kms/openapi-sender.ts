import * as openApiModule from '@alicloud/openapi-client'
import { SecretClientError } from '../errors.js'
import { cjsDefault } from './cjs-default.js'
import type { CredentialSource } from './credential-source.js'
import {
  type GetSecretValueInput,
  type GetSecretValueSender,
  KMS_API_VERSION,
} from './get-secret-value-sender.js'
import type { ResolvedEndpoint } from './resolve-endpoint.js'

/** The part of `@alicloud/openapi-client`'s `Client` used here. */
interface OpenApiClient {
  callApi(params: object, request: object, runtime: object): Promise<unknown>
}

/** Settings of the built-in client of one region. */
export interface OpenApiSenderOptions {
  endpoint: ResolvedEndpoint
  regionId: string
  credential: CredentialSource
  /** Read and connect timeout of the SDK, a backstop behind the caller's signal. */
  timeoutMs: number
  /** PEM CA bundle to trust for HTTPS, e.g. a dedicated KMS instance CA. */
  ca: string | undefined
}

// Exactly what the 2.x/3.x kms20160120 SDKs pass for GetSecretValue.
const GET_SECRET_VALUE_PARAMS = Object.freeze({
  action: 'GetSecretValue',
  version: KMS_API_VERSION,
  protocol: 'HTTPS',
  pathname: '/',
  method: 'POST',
  authType: 'AK',
  style: 'RPC',
  reqBodyType: 'formData',
  bodyType: 'json',
})

/**
 * Sends GetSecretValue through `@alicloud/openapi-client`'s `callApi` — the foundation of the
 * 2.x/3.x KMS SDKs — signed with ACS3-HMAC-SHA256. Unlike the 1.x SDK it honours `ca`, sends any
 * query parameter and returns the raw response map, so every field KMS sends reaches the record.
 */
export function createOpenApiSender(options: OpenApiSenderOptions): GetSecretValueSender {
  const Client = cjsDefault<new (config: object) => OpenApiClient>(openApiModule)
  const client = new Client({
    endpoint: options.endpoint.host,
    protocol: options.endpoint.protocol,
    regionId: options.regionId,
    credential: options.credential,
    readTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
    ca: options.ca,
  })
  // The cache retries with backoff and fails over between regions; the SDK must not retry too.
  const runtime = Object.freeze({ autoretry: false })
  return (input: GetSecretValueInput) =>
    client
      .callApi(
        GET_SECRET_VALUE_PARAMS,
        {
          query: {
            SecretName: input.secretName,
            VersionStage: input.versionStage,
            FetchExtendedConfig: 'true',
          },
        },
        runtime,
      )
      .catch((err: unknown) => {
        throw err instanceof SyntaxError ? notJson(input.secretName) : err
      })
}

/**
 * A body that is not JSON comes from something in front of KMS (a proxy's error page) or from a
 * cut-off response: transient either way. The parser's message quotes the body — possibly part of
 * a secret value — so it is dropped rather than kept as `cause`.
 */
function notJson(secretName: string): SecretClientError {
  return new SecretClientError(
    'KMS_UNAVAILABLE',
    `secret "${secretName}": KMS endpoint answered with a body that is not JSON`,
    { secretName },
  )
}
