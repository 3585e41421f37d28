import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { emulatorEnvironment, KmsEmulatorError, startKmsEmulator } from '../src/index.js'
import { shellExports } from '../src/internal/shell-exports.js'
import type { KmsEmulator } from '../src/kms-emulator.js'

const started: KmsEmulator[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()))
})

describe('emulatorEnvironment', () => {
  it("names the emulator's region, endpoint and access key as SecretCacheClient.fromEnv() reads them", async () => {
    const emulator = await startKmsEmulator()
    started.push(emulator)
    expect(emulatorEnvironment(emulator)).toEqual({
      cache_client_region_id: JSON.stringify([
        { regionId: emulator.regionId, endpoint: emulator.endpoint },
      ]),
      credentials_type: 'ak',
      credentials_access_key_id: emulator.accessKeyId,
      credentials_access_secret: emulator.accessKeySecret,
    })
  })

  it('its shell exports survive a POSIX shell unchanged, quotes included', () => {
    const env = {
      cache_client_region_id: '[{"regionId":"cn-x","endpoint":"http://127.0.0.1:1"}]',
      credentials_access_secret: `it's "quoted" $HOME \`x\` \\`,
    }
    const script = `${shellExports(env).join('\n')}\nprintf '%s\\n%s' "$cache_client_region_id" "$credentials_access_secret"`
    const printed = execFileSync('sh', ['-c', script], { encoding: 'utf8' })
    expect(printed).toBe(`${env.cache_client_region_id}\n${env.credentials_access_secret}`)
  })
})

describe('listening', () => {
  it('a port in use is ADDRESS_IN_USE, saying so', async () => {
    const first = await startKmsEmulator()
    started.push(first)
    const error = await startKmsEmulator({ port: first.port }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KmsEmulatorError)
    expect(error).toMatchObject({
      code: 'ADDRESS_IN_USE',
      message: expect.stringContaining(`127.0.0.1:${first.port}: address in use`),
    })
  })

  it('beyond loopback, a loud warning; on loopback, none', async () => {
    const warnings: string[] = []
    const logger = { warn: (message: string) => warnings.push(message) }
    started.push(await startKmsEmulator({ logger }))
    expect(warnings).toEqual([])
    started.push(await startKmsEmulator({ host: '0.0.0.0', logger }))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^LISTENING BEYOND LOOPBACK: anyone who can reach this address/)
  })
})
