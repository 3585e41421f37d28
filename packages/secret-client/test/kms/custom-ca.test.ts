import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classifyError } from '../../src/classify-error.js'
import { createKmsFetcher } from '../../src/kms/create-kms-fetcher.js'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, secretBody } from './_kms-fixtures.js'

/** A fresh self-signed certificate for 127.0.0.1, made with the openssl CLI. */
function selfSigned(dir: string, name: string): { key: string; cert: string } {
  const keyFile = join(dir, `${name}.key`)
  const certFile = join(dir, `${name}.pem`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') }
}

const credential = { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET }
const request = { secretName: 'db/orders', versionStage: 'ACSCurrent' }
let dir: string
let server: Server
let serverCert: string
let otherCert: string
let endpoint: string
let requests = 0

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kms-ca-'))
  const pair = selfSigned(dir, 'private-kms-instance')
  serverCert = pair.cert
  otherCert = selfSigned(dir, 'unrelated-ca').cert
  server = createServer({ key: pair.key, cert: pair.cert }, (req, res) => {
    requests++
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(secretBody({ VersionId: 'v-tls' })))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})

describe('custom CA (dedicated KMS instance gateway)', () => {
  it('a bare host means HTTPS, and an untrusted self-signed certificate is refused', async () => {
    const before = requests
    const err = await createKmsFetcher({ regionId: 'cn-hangzhou', endpoint, credential })
      .fetchSecret(request)
      .catch((e: unknown) => e)
    const classified = classifyError(err)
    expect(classified.cause).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    expect(classified.retryable).toBe(false)
    expect(classified.code).toBe('KMS_ERROR')
    expect(classified.kmsCode).toBeUndefined() // a TLS code is not a KMS code
    expect(requests).toBe(before)
  })

  it('a certificate from another CA is refused too', async () => {
    const err = await createKmsFetcher({ endpoint, credential, ca: otherCert })
      .fetchSecret(request)
      .catch((e: unknown) => e)
    expect(classifyError(err).cause).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  })

  it('succeeds when the instance CA is given as `ca`', async () => {
    const record = await createKmsFetcher({
      endpoint: `https://${endpoint}`,
      credential,
      ca: serverCert,
    }).fetchSecret(request)
    expect(record.versionId).toBe('v-tls')
    expect(record.secretType).toBe('Rds')
  })

  it('accepts a list of CAs and a per-region ca', async () => {
    const fromList = await createKmsFetcher({
      endpoint,
      credential,
      ca: [otherCert, serverCert],
    }).fetchSecret(request)
    expect(fromList.versionId).toBe('v-tls')
    const perRegion = await createKmsFetcher({
      regions: [{ regionId: 'cn-hangzhou', endpoint, ca: serverCert }],
      credential,
      ca: otherCert,
    }).fetchSecret(request)
    expect(perRegion.versionId).toBe('v-tls')
  })
})
