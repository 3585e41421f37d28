import Kms from '@alicloud/kms20160120'
import OpenApi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client'
import { RuntimeOptions } from '@alicloud/tea-util'
import type { KmsEmulator } from '../../src/index.js'

/** Credentials override for a client. */
export interface ClientCredentials {
  accessKeyId?: string
  accessKeySecret?: string
  securityToken?: string
}

/** The official 1.x SDK client pointed at the emulator, as the README shows (vitest gives the class as the default import). */
export function sdkClient(emulator: KmsEmulator, credentials: ClientCredentials = {}): Kms {
  return new Kms({
    accessKeyId: credentials.accessKeyId ?? emulator.accessKeyId,
    accessKeySecret: credentials.accessKeySecret ?? emulator.accessKeySecret,
    ...(credentials.securityToken !== undefined
      ? { securityToken: credentials.securityToken }
      : {}),
    protocol: 'HTTP',
    endpoint: `127.0.0.1:${emulator.port}`,
    regionId: emulator.regionId,
  } as ConstructorParameters<typeof Kms>[0])
}

/** Any action through the 1.x SDK's `doRequest` (RPC v1 signature); returns the raw map. */
export function rawCall(
  client: Kms,
  action: string,
  query: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return client.doRequest(
    action,
    'HTTP',
    'POST',
    '2016-01-20',
    'AK',
    query,
    null as unknown as Record<string, unknown>,
    new RuntimeOptions({}),
  )
}

/** Error shape of the SDKs: `code`, `message`, `data` (the error body). */
export interface SdkError {
  code: string
  message: string
  data?: Record<string, unknown> & { statusCode?: number; Code?: string }
}

/** Awaits a call expected to fail and returns the SDK error. */
export async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise
  } catch (err) {
    return err as SdkError
  }
  throw new Error('expected the call to fail')
}

/**
 * An openapi-client (ACS3-HMAC-SHA256) call of a KMS action; returns `{ body, statusCode }`.
 * `headers` replace the client's own (e.g. a stale `x-acs-date` or a fixed nonce) before signing.
 */
export async function acs3Call(
  emulator: KmsEmulator,
  action: string,
  query: Record<string, string>,
  credentials: ClientCredentials = {},
  headers: Record<string, string> = {},
): Promise<{ body: Record<string, unknown>; statusCode: number }> {
  const client = new OpenApi(
    new Config({
      accessKeyId: credentials.accessKeyId ?? emulator.accessKeyId,
      accessKeySecret: credentials.accessKeySecret ?? emulator.accessKeySecret,
      ...(credentials.securityToken !== undefined
        ? { securityToken: credentials.securityToken }
        : {}),
      protocol: 'HTTP',
      endpoint: `127.0.0.1:${emulator.port}`,
      regionId: emulator.regionId,
    }),
  )
  const params = new Params({
    action,
    version: '2016-01-20',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  })
  const result = await client.callApi(
    params,
    new OpenApiRequest({ query, headers }),
    new RuntimeOptions({}),
  )
  return result as { body: Record<string, unknown>; statusCode: number }
}
