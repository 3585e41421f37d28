import { SecretClientError } from '../errors.js'
import {
  type GetSecretValueInput,
  type GetSecretValueSender,
  KMS_API_VERSION,
} from './get-secret-value-sender.js'

type Method = (...args: unknown[]) => Promise<unknown>

function method(client: object, name: string): Method | undefined {
  const value = (client as Record<string, unknown>)[name]
  return typeof value === 'function' ? (value.bind(client) as Method) : undefined
}

/**
 * A GetSecretValue request model that every SDK generation reads: 2.x/3.x read the camelCase
 * fields, 1.x serialises it through `$tea.toMap`, which calls `toMap()` on foreign models — so
 * `FetchExtendedConfig` is sent even though the 1.x model class has no such field.
 */
function requestModel(input: GetSecretValueInput): object {
  const model = {
    secretName: input.secretName,
    versionStage: input.versionStage,
    fetchExtendedConfig: true,
  }
  Object.defineProperties(model, {
    toMap: {
      value: () => ({
        SecretName: input.secretName,
        VersionStage: input.versionStage,
        FetchExtendedConfig: true,
      }),
    },
    validate: { value: () => {} },
  })
  return model
}

/**
 * Adapts a user-supplied KMS client of any `@alicloud/kms20160120` generation (duck-typed), in this
 * order of preference:
 *
 * 1. `getSecretValueWithOptions(request, runtime)` — 2.x/3.x, resolves `{ body }` with every field;
 * 2. `doRequest(action, protocol, method, version, authType, query, body, runtime)` — 1.x, the raw
 *    map; the 1.x models would drop `FetchExtendedConfig` and the rotation fields;
 * 3. `getSecretValue(request)` — anything else (a 1.x flat model, or `{ body }`).
 *
 * `timeoutMs` goes to the runtime options as the SDK's read/connect timeout where the method takes
 * them. Throws `INVALID_CONFIG` when the client has none of these methods.
 */
export function createUserClientSender(client: unknown, timeoutMs: number): GetSecretValueSender {
  if (client === null || (typeof client !== 'object' && typeof client !== 'function')) {
    throw new SecretClientError('INVALID_CONFIG', 'kmsClient must be a KMS SDK client object')
  }
  const runtime = () => ({
    readTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    autoretry: false,
  })
  const withOptions = method(client, 'getSecretValueWithOptions')
  if (withOptions) {
    return (input) => withOptions(requestModel(input), runtime())
  }
  const doRequest = method(client, 'doRequest')
  // openapi-client's own doRequest(params, request, runtime) takes 3 arguments; 1.x's takes 8.
  if (doRequest && (client as { doRequest: Method }).doRequest.length >= 8) {
    return (input) =>
      doRequest(
        'GetSecretValue',
        'HTTPS',
        'POST',
        KMS_API_VERSION,
        'AK',
        {
          SecretName: input.secretName,
          VersionStage: input.versionStage,
          FetchExtendedConfig: 'true',
        },
        null,
        runtime(),
      )
  }
  const getSecretValue = method(client, 'getSecretValue')
  if (getSecretValue) {
    return (input) => getSecretValue(requestModel(input))
  }
  throw new SecretClientError(
    'INVALID_CONFIG',
    'kmsClient has no getSecretValueWithOptions, doRequest or getSecretValue method',
  )
}
