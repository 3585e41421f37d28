import { SecretClientError } from '../errors.js'

/** Where one region's requests go, in the form the Alibaba SDKs take it. */
export interface ResolvedEndpoint {
  /** `HTTP` or `HTTPS`, as the SDK config's `protocol`. */
  protocol: 'HTTP' | 'HTTPS'
  /** `host` or `host:port`, as the SDK config's `endpoint` (it is also the Host header). */
  host: string
}

// Region ids are lowercase words joined by dashes (cn-hangzhou, ap-southeast-1); anything else
// would end up inside a host name.
const REGION_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

/** Throws `INVALID_CONFIG` unless `regionId` looks like a KMS region id. */
export function assertRegionId(regionId: unknown, option: string): asserts regionId is string {
  if (typeof regionId !== 'string' || !REGION_ID.test(regionId)) {
    throw new SecretClientError(
      'INVALID_CONFIG',
      `${option} must be a region id such as "cn-hangzhou"`,
    )
  }
}

/**
 * Turns an `endpoint` option into protocol + host. A bare host (`kms.cn-hangzhou.aliyuncs.com`,
 * `127.0.0.1:4000`) means HTTPS; a URL (`http://127.0.0.1:4000`) names its protocol. Without an
 * endpoint the public (or VPC) gateway of the region is used.
 *
 * @param option - option path for error messages, e.g. `regions[1].endpoint`
 */
export function resolveEndpoint(
  endpoint: unknown,
  regionId: string,
  vpc: boolean,
  option: string,
): ResolvedEndpoint {
  if (endpoint === undefined) {
    return { protocol: 'HTTPS', host: `${vpc ? 'kms-vpc' : 'kms'}.${regionId}.aliyuncs.com` }
  }
  const invalid = (why: string) =>
    new SecretClientError('INVALID_CONFIG', `${option} ${why}: expected a host or an http(s) URL`)
  if (typeof endpoint !== 'string' || endpoint.trim() === '') throw invalid('is empty')
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)
  let url: URL
  try {
    url = new URL(hasScheme ? endpoint : `https://${endpoint}`)
  } catch {
    // No cause: the URL parser's TypeError quotes the input, credentials included
    // (`http://user:password@host:bad`).
    throw new SecretClientError(
      'INVALID_CONFIG',
      `${option} is not a valid host or URL: expected a host or an http(s) URL`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`has unsupported protocol ${url.protocol}`)
  }
  // KMS is served at `/`; a path, query or credentials in the URL would be silently dropped.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw invalid('must not have a path or query')
  }
  if (url.username || url.password) throw invalid('must not contain credentials')
  if (!hasScheme && /[/?#@\s]/.test(endpoint)) throw invalid('is not a plain host')
  return { protocol: url.protocol === 'http:' ? 'HTTP' : 'HTTPS', host: url.host }
}
