import { inspect } from 'node:util'
import nock from 'nock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecretClientError } from '../src/errors.js'
import { optionsFromEnv } from '../src/from-env.js'
import { createKmsFetcher } from '../src/kms/create-kms-fetcher.js'

const SECRET = 'EnvSecretThatMustNeverLeak99'

/** The `@alicloud/credentials` type of a built Credential. */
function typeOf(credential: unknown): string {
  return (credential as { getType(): string }).getType()
}

function configError(env: Record<string, string>): SecretClientError {
  try {
    optionsFromEnv(env)
  } catch (err) {
    expect(err).toBeInstanceOf(SecretClientError)
    expect((err as SecretClientError).code).toBe('INVALID_CONFIG')
    expect(inspect(err, { depth: 10 })).not.toContain(SECRET)
    return err as SecretClientError
  }
  throw new Error('expected INVALID_CONFIG')
}

beforeAll(() => nock.disableNetConnect())
afterAll(() => {
  nock.cleanAll()
  nock.enableNetConnect()
  nock.restore()
})

describe('optionsFromEnv', () => {
  it('reads several regions from cache_client_region_id', () => {
    const options = optionsFromEnv({
      cache_client_region_id:
        '[{"regionId":"cn-hangzhou","endpoint":"kms.cn-hangzhou.aliyuncs.com","vpc":false},{"regionId":"cn-shanghai","vpc":true}]',
    })
    expect(options.regions).toEqual([
      { regionId: 'cn-hangzhou', endpoint: 'kms.cn-hangzhou.aliyuncs.com', vpc: false },
      { regionId: 'cn-shanghai', vpc: true },
    ])
    expect(options.credential).toBeUndefined()
    expect(options.regionId).toBeUndefined()
  })

  it('falls back to ALIBABA_CLOUD_REGION_ID and accepts upper-case keys', () => {
    expect(optionsFromEnv({ ALIBABA_CLOUD_REGION_ID: 'ap-southeast-1' }).regionId).toBe(
      'ap-southeast-1',
    )
    expect(
      optionsFromEnv({ CACHE_CLIENT_REGION_ID: '[{"regionId":"cn-beijing"}]' }).regions,
    ).toEqual([{ regionId: 'cn-beijing' }])
  })

  it('sets no region and no credential from an empty environment', () => {
    expect(optionsFromEnv({})).toEqual({})
  })

  it('reads cache_client_ttl as milliseconds', () => {
    expect(optionsFromEnv({ cache_client_ttl: '600000' }).ttlMs).toBe(600_000)
    expect(configError({ cache_client_ttl: '10m' }).message).toMatch(/^cache_client_ttl/)
  })

  it('builds an access-key Credential for credentials_type=ak and signs with it', async () => {
    const options = optionsFromEnv({
      cache_client_region_id: '[{"regionId":"cn-hangzhou","endpoint":"http://kms.env.test"}]',
      credentials_type: 'ak',
      credentials_access_key_id: 'LTAIenv',
      credentials_access_secret: SECRET,
    })
    const credential = options.credential as { getCredential(): Promise<Record<string, unknown>> }
    const got = await credential.getCredential()
    expect(got.accessKeyId).toBe('LTAIenv')
    expect(got.accessKeySecret).toBe(SECRET)
    expect(got.type).toBe('access_key')

    let auth: unknown
    nock('http://kms.env.test')
      .post('/')
      .query(true)
      .reply(function () {
        auth = this.req.headers.authorization
        return [200, { SecretName: 's', VersionId: 'v1', SecretData: 'x', RequestId: 'r' }]
      })
    const record = await createKmsFetcher(options).fetchSecret({
      secretName: 's',
      versionStage: 'ACSCurrent',
    })
    expect(record.versionId).toBe('v1')
    expect(auth).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAIenv,/)
  })

  it.each([
    ['sts', 'ram_role_arn'],
    ['ram_role', 'ram_role_arn'],
  ])('credentials_type=%s builds a %s Credential', (type, expected) => {
    const options = optionsFromEnv({
      ALIBABA_CLOUD_REGION_ID: 'cn-hangzhou',
      credentials_type: type,
      credentials_access_key_id: 'LTAIenv',
      credentials_access_secret: SECRET,
      credentials_role_arn: 'acs:ram::123:role/kms-reader',
      credentials_role_session_name: 'app',
    })
    expect(typeOf(options.credential)).toBe(expected)
  })

  it('credentials_type=ecs_ram_role needs no other key', () => {
    const options = optionsFromEnv({
      credentials_type: 'ecs_ram_role',
      credentials_role_name: 'EcsKmsRole',
    })
    expect(typeOf(options.credential)).toBe('ecs_ram_role')
    expect(typeOf(optionsFromEnv({ credentials_type: 'ecs_ram_role' }).credential)).toBe(
      'ecs_ram_role',
    )
  })

  it('credentials_type=oidc_role_arn reads its keys, falling back to the ACK RRSA variables', () => {
    const full = optionsFromEnv({
      credentials_type: 'oidc_role_arn',
      credentials_role_arn: 'acs:ram::123:role/r',
      credentials_oidc_provider_arn: 'acs:ram::123:oidc-provider/ack',
      credentials_oidc_token_file_path: '/var/run/token',
    })
    expect(typeOf(full.credential)).toBe('oidc_role_arn')
    const rrsa = optionsFromEnv({
      credentials_type: 'oidc_role_arn',
      ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::123:role/r',
      ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::123:oidc-provider/ack',
      ALIBABA_CLOUD_OIDC_TOKEN_FILE: '/var/run/token',
    })
    expect(typeOf(rrsa.credential)).toBe('oidc_role_arn')
  })

  it.each([
    [{ credentials_type: 'ak', credentials_access_secret: SECRET }, /^credentials_access_key_id/],
    [{ credentials_type: 'ak', credentials_access_key_id: 'id' }, /^credentials_access_secret/],
    [
      {
        credentials_type: 'sts',
        credentials_access_key_id: 'id',
        credentials_access_secret: SECRET,
      },
      /^credentials_role_arn/,
    ],
    [
      { credentials_type: 'oidc_role_arn', credentials_role_arn: 'arn' },
      /^credentials_oidc_provider_arn/,
    ],
    [
      {
        credentials_type: 'oidc_role_arn',
        credentials_role_arn: 'arn',
        credentials_oidc_provider_arn: 'p',
      },
      /^credentials_oidc_token_file_path/,
    ],
    [{ credentials_type: 'kerberos', credentials_access_secret: SECRET }, /^credentials_type/],
    [{ credentials_type: 'client_key' }, /^credentials_type "client_key".*not supported/],
    [{ cache_client_region_id: '[{"regionId":"cn-hangzhou"' }, /^cache_client_region_id .*JSON/],
    [{ cache_client_region_id: '{"regionId":"cn-hangzhou"}' }, /^cache_client_region_id must/],
    [{ cache_client_region_id: '[]' }, /^cache_client_region_id must/],
    [{ cache_client_region_id: '[{"endpoint":"x"}]' }, /^cache_client_region_id\[0\]\.regionId/],
    [
      { cache_client_region_id: '[{"regionId":"cn-a","vpc":"maybe"}]' },
      /^cache_client_region_id\[0\]\.vpc/,
    ],
    [
      { cache_client_region_id: '[{"regionId":"cn-a","endpoint":"ftp://x"}]' },
      /^cache_client_region_id\[0\]\.endpoint/,
    ],
    [{ ALIBABA_CLOUD_REGION_ID: 'cn hangzhou' }, /^ALIBABA_CLOUD_REGION_ID/],
  ])('%o → INVALID_CONFIG naming the key', (env, message) => {
    expect(configError(env as Record<string, string>).message).toMatch(message)
  })
})
