import * as openApiModule from '@alicloud/openapi-client'
import { SecretClientError } from '../errors.js'
import { cjsDefault } from './cjs-default.js'
import type { CredentialSource } from './credential-source.js'
import {
  type GetSecretValueInput,
  type GetSecretValueSender,
  KMS_API_VERSION,
} from './get-secret-value-sender.js'
import { MAX_RESPONSE_BYTES, RequestTracker, type ResponseFacts } from './request-tracker.js'
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

/** A sender of the built-in client, with the means to release its sockets. */
export interface OpenApiSender {
  send: GetSecretValueSender
  /** Destroys requests in flight and the idle keep-alive sockets this sender opened. */
  close(): void
}

/**
 * Sends GetSecretValue through `@alicloud/openapi-client`'s `callApi` — the foundation of the
 * 2.x/3.x KMS SDKs — signed with ACS3-HMAC-SHA256. Unlike the 1.x SDK it honours `ca`, sends any
 * query parameter and returns the raw response map, so every field KMS sends reaches the record.
 * The SDK takes no signal and no agent: a {@link RequestTracker} destroys the HTTP request when
 * the call's signal fires and the sender's sockets on `close()`.
 */
export function createOpenApiSender(options: OpenApiSenderOptions): OpenApiSender {
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
  const tracker = new RequestTracker()
  const send = (input: GetSecretValueInput, signal: AbortSignal): Promise<unknown> => {
    const facts: ResponseFacts = {}
    return tracker
      .run(
        signal,
        () =>
          client.callApi(
            GET_SECRET_VALUE_PARAMS,
            {
              query: {
                SecretName: input.secretName,
                VersionStage: input.versionStage,
                FetchExtendedConfig: 'true',
              },
            },
            runtime,
          ),
        facts,
      )
      .catch((err: unknown) => {
        if (facts.oversize) throw oversize(input.secretName)
        if (err instanceof SyntaxError) throw notJson(input.secretName)
        // The SDK's error has no headers: the hint read off the response goes on it, where
        // classifyError looks for it.
        if (facts.retryAfterMs !== undefined && err !== null && typeof err === 'object') {
          Object.defineProperty(err, 'retryAfterMs', {
            value: facts.retryAfterMs,
            configurable: true,
            writable: true,
          })
        }
        throw err
      })
  }
  return { send, close: () => tracker.close() }
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

/** A body past {@link MAX_RESPONSE_BYTES} is not a KMS answer; retrying would read it again. */
function oversize(secretName: string): SecretClientError {
  return new SecretClientError(
    'KMS_ERROR',
    `secret "${secretName}": KMS endpoint answered with more than ${MAX_RESPONSE_BYTES} bytes`,
    { secretName },
  )
}
