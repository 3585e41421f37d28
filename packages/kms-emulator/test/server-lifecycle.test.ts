import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AuditLog } from '../src/audit/audit-log.js'
import { FaultInjector } from '../src/faults/fault-injector.js'
import { handleAdminRequest } from '../src/http/admin-handler.js'
import { isLoopback } from '../src/http/is-loopback.js'
import { KmsEmulatorError, startKmsEmulator } from '../src/index.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('server lifecycle', () => {
  it('listens on 127.0.0.1 only by default, on a free port', async () => {
    const emulator = await startKmsEmulator({ schedulerIntervalMs: 0 })
    try {
      // emulator.host is server.address().address: the socket is bound to 127.0.0.1, not 0.0.0.0.
      expect(emulator.host).toBe('127.0.0.1')
      if (process.platform === 'linux') {
        // All of 127/8 is local on Linux: a server bound to the wildcard would accept this.
        expect(await canConnect('127.0.0.2', emulator.port)).toBe(false)
      }
      expect(emulator.port).toBeGreaterThan(0)
      expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`)
      expect(await canConnect('127.0.0.1', emulator.port)).toBe(true)
      const external = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i && i.family === 'IPv4' && !i.internal)
        .map((i) => i?.address as string)
      for (const address of external) {
        expect(await canConnect(address, emulator.port), address).toBe(false)
      }
    } finally {
      await emulator.close()
    }
  })

  it.runIf(process.platform === 'linux')(
    'the check above can fail: a server bound to 0.0.0.0 accepts 127.0.0.2',
    async () => {
      const wide = await startKmsEmulator({ schedulerIntervalMs: 0, host: '0.0.0.0' })
      try {
        expect(wide.host).toBe('0.0.0.0')
        expect(await canConnect('127.0.0.2', wide.port)).toBe(true)
      } finally {
        await wide.close()
      }
    },
  )

  it('close() is idempotent, frees the port and closes the database engines', async () => {
    const engine = new FakeDatabaseEngine()
    const emulator = await startKmsEmulator({
      databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
      databaseEngineFactory: engine.factory(),
    })
    await Promise.all([emulator.close(), emulator.close()])
    expect(engine.closed).toBe(true)
    expect(await canConnect('127.0.0.1', emulator.port)).toBe(false)
    await expect(emulator.call('ListSecrets')).rejects.toMatchObject({ code: 'CLOSED' })
  })

  it('a keep-alive connection does not keep close() waiting', async () => {
    const emulator = await startKmsEmulator({ schedulerIntervalMs: 0 })
    const socket = connect({ host: '127.0.0.1', port: emulator.port })
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      `GET /__emulator/health HTTP/1.1\r\nHost: 127.0.0.1:${emulator.port}\r\nX-Kms-Emulator-Admin: 1\r\nConnection: keep-alive\r\n\r\n`,
    )
    await new Promise((resolve) => socket.once('data', resolve))
    const ended = new Promise((resolve) => socket.once('close', resolve))
    await emulator.close()
    await ended
  })

  it('rejects invalid options with INVALID_OPTIONS', async () => {
    const cases = [
      { port: 70_000 },
      { host: '' },
      { regionId: 'Not A Region' },
      { accessKeys: [] },
      { accessKeys: [{ accessKeyId: 'a', accessKeySecret: '' }] },
      { databases: { x: { engine: 'oracle', user: 'sys' } } },
      { secrets: [{ name: 'bad name!', value: 'x' }] },
      { secrets: [{ name: 'ok', value: 'x'.repeat(30_721) }] },
      {
        secrets: [
          { name: 'r', rds: { instanceId: 'nope', accountName: 'a', accountPassword: 'b' } },
        ],
      },
      { schedulerIntervalMs: -1 },
      { clock: {} },
      { random: 0.5 },
      { databaseEngineFactory: 'mysql' },
      { allowShortRotationInterval: 'yes' },
      { secrets: 'none' },
    ]
    for (const options of cases) {
      const err = await startKmsEmulator(options as never).catch((e: unknown) => e)
      expect(err, JSON.stringify(options).slice(0, 80)).toBeInstanceOf(KmsEmulatorError)
      expect((err as KmsEmulatorError).code).toBe('INVALID_OPTIONS')
    }
  })
})

describe('admin endpoint access', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['::ffff:192.168.1.2', false],
    ['fe80::1', false],
    [undefined, false],
  ])('isLoopback(%s) is %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected)
  })

  it('answers 403 Forbidden.NoPermission to a non-loopback caller', async () => {
    let status = 0
    let body = ''
    const res = {
      headersSent: false,
      destroyed: false,
      writeHead(s: number) {
        status = s
        return this
      },
      end(text: string) {
        body = text
      },
    } as unknown as ServerResponse
    const req = {
      method: 'GET',
      headers: {},
      socket: { remoteAddress: '10.1.2.3' },
    } as unknown as IncomingMessage
    const faults = new FaultInjector()
    await handleAdminRequest(req, res, new URL('http://x/__emulator/faults'), {
      faults,
      audit: new AuditLog(10, new Set()),
      tick: async () => undefined,
      rotateSecret: async () => ({ versionId: 'x' }),
      checkSecretAccount: async () => ({}),
      info: () => ({}),
      port: () => 8400,
    })
    expect(status).toBe(403)
    expect(JSON.parse(body).Code).toBe('Forbidden.NoPermission')
  })
})

describe('key material', () => {
  it('the access key secret is readable but not in util.inspect or JSON.stringify output', async () => {
    const emulator = await startKmsEmulator({
      schedulerIntervalMs: 0,
      accessKeys: [
        {
          accessKeyId: 'LTAI-x',
          accessKeySecret: 'very-secret-value',
          securityToken: 'tok-secret',
        },
      ],
    })
    try {
      expect(emulator.accessKeySecret).toBe('very-secret-value')
      expect(emulator.accessKeys[0]?.securityToken).toBe('tok-secret')
      for (const text of [inspect(emulator, { depth: 5 }), JSON.stringify(emulator)]) {
        expect(text).toContain('LTAI-x')
        expect(text).not.toContain('very-secret-value')
        expect(text).not.toContain('tok-secret')
      }
    } finally {
      await emulator.close()
    }
  })
})
