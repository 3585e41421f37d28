import { createHash, createHmac, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { OPERATIONS } from '../src/operations/operation-table.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { acs3Call, sdkError } from './helpers/sdk-client.js'

let emulator: KmsEmulator
let engine: FakeDatabaseEngine
const key = { accessKeyId: 'LTAI-acs3', accessKeySecret: 'acs3-secret' }

beforeAll(async () => {
  engine = new FakeDatabaseEngine()
  engine.addAccount('app', 'pw0')
  emulator = await startKmsEmulator({
    schedulerIntervalMs: 0,
    accessKeys: [key],
    databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
    databaseEngineFactory: engine.factory(),
    secrets: [
      { name: 'gen', value: 'g0' },
      { name: 'to-delete', value: 'd0' },
      {
        name: 'db/app',
        rds: { instanceId: 'rm-local', accountName: 'app', accountPassword: 'pw0' },
      },
    ],
  })
})

afterAll(async () => {
  await emulator.close()
})

/** Every operation once over openapi-client's ACS3-HMAC-SHA256, in an order that builds state. */
const cases: Array<{
  action: string
  query: Record<string, string>
  check: (body: Record<string, unknown>) => void | Promise<void>
}> = [
  {
    action: 'CreateSecret',
    query: { SecretName: 'made', VersionId: 'v1', SecretData: 'm1' },
    check: (b) => expect(b).toMatchObject({ SecretName: 'made', VersionId: 'v1' }),
  },
  {
    action: 'GetSecretValue',
    query: { SecretName: 'made' },
    check: (b) => expect(b).toMatchObject({ SecretData: 'm1', VersionId: 'v1' }),
  },
  {
    action: 'PutSecretValue',
    query: { SecretName: 'made', VersionId: 'v2', SecretData: 'm2' },
    check: async (b) => {
      expect(b).toMatchObject({ SecretName: 'made', VersionId: 'v2' })
      expect((await emulator.call('GetSecretValue', { SecretName: 'made' })).SecretData).toBe('m2')
    },
  },
  {
    action: 'ListSecretVersionIds',
    query: { SecretName: 'made' },
    check: (b) => expect(JSON.stringify(b.VersionIds)).toMatch(/v1.*v2|v2.*v1/),
  },
  {
    action: 'UpdateSecretVersionStage',
    query: { SecretName: 'made', VersionStage: 'ACSCurrent', MoveToVersion: 'v1' },
    check: async () => {
      expect((await emulator.call('GetSecretValue', { SecretName: 'made' })).VersionId).toBe('v1')
    },
  },
  {
    action: 'UpdateSecret',
    query: { SecretName: 'made', Description: 'described over ACS3' },
    check: async () => {
      const d = await emulator.call('DescribeSecret', { SecretName: 'made' })
      expect(d.Description).toBe('described over ACS3')
    },
  },
  {
    action: 'DescribeSecret',
    query: { SecretName: 'made' },
    check: (b) =>
      expect(b).toMatchObject({ SecretName: 'made', Description: 'described over ACS3' }),
  },
  {
    action: 'ListSecrets',
    query: {},
    check: (b) => expect(JSON.stringify(b)).toContain('"made"'),
  },
  {
    action: 'TagResource',
    query: { SecretName: 'made', Tags: JSON.stringify([{ TagKey: 'team', TagValue: 'blue' }]) },
    check: async () => {
      const tags = await emulator.call('ListResourceTags', { SecretName: 'made' })
      expect(JSON.stringify(tags)).toContain('blue')
    },
  },
  {
    action: 'ListResourceTags',
    query: { SecretName: 'made' },
    check: (b) => expect(JSON.stringify(b)).toContain('"team"'),
  },
  {
    action: 'UntagResource',
    query: { SecretName: 'made', TagKeys: JSON.stringify(['team']) },
    check: async () => {
      const tags = await emulator.call('ListResourceTags', { SecretName: 'made' })
      expect(JSON.stringify(tags)).not.toContain('blue')
    },
  },
  {
    action: 'GetRandomPassword',
    query: { PasswordLength: '20' },
    check: (b) => expect(String(b.RandomPassword)).toHaveLength(20),
  },
  {
    action: 'RotateSecret',
    query: { SecretName: 'db/app' },
    check: (b) => {
      expect(b).toMatchObject({ SecretName: 'db/app', VersionId: expect.any(String) })
      expect(engine.accounts.get('app')?.password).not.toBe('pw0')
    },
  },
  {
    action: 'UpdateSecretRotationPolicy',
    query: { SecretName: 'db/app', EnableAutomaticRotation: 'true', RotationInterval: '7d' },
    check: async () => {
      const d = await emulator.call('DescribeSecret', { SecretName: 'db/app' })
      expect(d.AutomaticRotation).toBe('Enabled')
    },
  },
  {
    action: 'CheckSecretAccount',
    query: { SecretName: 'db/app' },
    check: (b) => expect(b).toMatchObject({ SecretName: 'db/app', Consistent: true }),
  },
  {
    action: 'DeleteSecret',
    query: { SecretName: 'to-delete', RecoveryWindowInDays: '7' },
    check: (b) => expect(b).toMatchObject({ SecretName: 'to-delete' }),
  },
  {
    action: 'RestoreSecret',
    query: { SecretName: 'to-delete' },
    check: async () => {
      expect((await emulator.call('GetSecretValue', { SecretName: 'to-delete' })).SecretData).toBe(
        'd0',
      )
    },
  },
]

describe('every operation over ACS3-HMAC-SHA256 (openapi-client callApi)', () => {
  it('the table covers every operation the emulator answers', () => {
    expect(cases.map((c) => c.action).sort()).toEqual(Object.keys(OPERATIONS).sort())
  })

  for (const c of cases) {
    it(c.action, async () => {
      const before = emulator.counters(c.action).ok
      const { statusCode, body } = await acs3Call(emulator, c.action, c.query, key)
      expect(statusCode).toBe(200)
      expect(body.RequestId).toEqual(expect.any(String))
      await c.check(body)
      expect(emulator.counters(c.action).ok).toBe(before + 1)
    })
  }
})

const isoNow = (offsetMs = 0) =>
  new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z')

describe('ACS3 authentication errors', () => {
  it('a stale or future x-acs-date is IllegalTimestamp (400)', async () => {
    for (const offset of [-16 * 60_000, 16 * 60_000]) {
      const err = await sdkError(
        acs3Call(emulator, 'ListSecrets', {}, key, { 'x-acs-date': isoNow(offset) }),
      )
      expect(err.code).toBe('IllegalTimestamp')
      expect(err.data?.statusCode).toBe(400)
    }
    const inWindow = await acs3Call(emulator, 'ListSecrets', {}, key, {
      'x-acs-date': isoNow(-14 * 60_000),
    })
    expect(inWindow.statusCode).toBe(200)
  })

  it('a reused x-acs-signature-nonce is SignatureNonceUsed (400)', async () => {
    const nonce = `acs3-${randomUUID()}`
    const first = await acs3Call(emulator, 'ListSecrets', {}, key, {
      'x-acs-signature-nonce': nonce,
    })
    expect(first.statusCode).toBe(200)
    const replay = await sdkError(
      acs3Call(emulator, 'ListSecrets', {}, key, { 'x-acs-signature-nonce': nonce }),
    )
    expect(replay.code).toBe('SignatureNonceUsed')
    expect(replay.data?.statusCode).toBe(400)
  })

  it('a body that does not match x-acs-content-sha256 is SignatureDoesNotMatch', async () => {
    const response = await acs3Raw({ body: 'SecretName=gen', bodyHash: sha256('other') })
    expect(response.status).toBe(400)
    expect(response.body.Code).toBe('SignatureDoesNotMatch')
  })

  it.each([
    'host',
    'x-acs-action',
    'x-acs-version',
    'x-acs-date',
    'x-acs-signature-nonce',
    'x-acs-content-sha256',
  ])('a correct signature that leaves %s unsigned is IncompleteSignature', async (header) => {
    const signed = await acs3Raw({})
    expect(signed.status).toBe(200)
    const response = await acs3Raw({ leaveUnsigned: header })
    expect(response.status).toBe(400)
    expect(response.body.Code).toBe('IncompleteSignature')
    expect(response.body.Message).toContain(`${header} is not signed`)
  })

  it('an unsigned x-acs-action cannot turn a captured request into another action', async () => {
    // Signed as ListSecrets without x-acs-action in the signature, then sent as DeleteSecret.
    const response = await acs3Raw({
      leaveUnsigned: 'x-acs-action',
      sendAction: 'DeleteSecret',
      query: { SecretName: 'gen', ForceDeleteWithoutRecovery: 'true' },
    })
    expect(response.body.Code).toBe('IncompleteSignature')
    expect((await emulator.call('GetSecretValue', { SecretName: 'gen' })).SecretData).toBe('g0')
  })
})

function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex')
}

const encode = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * A hand-built ACS3-HMAC-SHA256 request (independent of openapi-client) whose signature is
 * correct for the headers it lists in SignedHeaders; `leaveUnsigned` drops one from that list.
 */
async function acs3Raw(options: {
  leaveUnsigned?: string
  sendAction?: string
  query?: Record<string, string>
  body?: string
  bodyHash?: string
}): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = options.body ?? ''
  const query = options.query ?? {}
  const headers: Record<string, string> = {
    host: `127.0.0.1:${emulator.port}`,
    'x-acs-action': 'ListSecrets',
    'x-acs-version': '2016-01-20',
    'x-acs-date': isoNow(),
    'x-acs-signature-nonce': randomUUID(),
    'x-acs-content-sha256': options.bodyHash ?? sha256(body),
    ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
  }
  const signedNames = Object.keys(headers)
    .filter((h) => h !== options.leaveUnsigned)
    .sort()
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${encode(k)}=${encode(query[k] as string)}`)
    .join('&')
  const canonical = [
    'POST',
    '/',
    canonicalQuery,
    signedNames.map((h) => `${h}:${headers[h]}\n`).join(''),
    signedNames.join(';'),
    headers['x-acs-content-sha256'],
  ].join('\n')
  const signature = createHmac('sha256', key.accessKeySecret)
    .update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`)
    .digest('hex')
  if (options.sendAction) headers['x-acs-action'] = options.sendAction
  const { host: _host, ...sent } = headers
  const response = await fetch(
    `${emulator.endpoint}/${canonicalQuery ? `?${canonicalQuery}` : ''}`,
    {
      method: 'POST',
      headers: {
        ...sent,
        authorization: `ACS3-HMAC-SHA256 Credential=${key.accessKeyId},SignedHeaders=${signedNames.join(';')},Signature=${signature}`,
      },
      ...(body ? { body } : {}),
    },
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
