import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as $Kms from '@alicloud/kms20160120'
import { afterAll, describe, expect, it } from 'vitest'
import type { KmsEmulator } from '../src/index.js'
import { parseCliArgs } from '../src/internal/cli-args.js'
import { sdkClient } from './helpers/sdk-client.js'

const packageDir = new URL('..', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'kms-cli-'))

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `src/cli.ts` through tsx, exactly as the bin would run the bundle. */
function cli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, NODE_OPTIONS: '' },
  })
}

function collect(child: ChildProcessWithoutNullStreams) {
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (d: Buffer) => {
    out.stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    out.stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { out, exited }
}

describe('kms-emulator CLI', () => {
  it('the bin package.json names runs the built command (pnpm exec kms-emulator)', async () => {
    const { bin } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
    }
    const child = spawn(
      process.execPath,
      [join(packageDir, bin['kms-emulator'] ?? ''), '--version'],
      {
        cwd: packageDir,
      },
    )
    const { out, exited } = collect(child)
    expect(await exited).toBe(0)
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string
    }
    expect(out.stdout.trim()).toContain(version)
  })

  it('--help documents every option and exits 0', async () => {
    const { out, exited } = collect(cli(['--help']))
    expect(await exited).toBe(0)
    for (const flag of [
      '--host',
      '--port',
      '--region',
      '--config',
      '--state',
      '--allow-short-rotation',
      '--print-credentials',
      '--credentials-file',
      '--verbose',
      '--help',
      '--version',
      'accessKeys',
      'databases',
      'secrets',
      'SIGTERM',
    ]) {
      expect(out.stdout).toContain(flag)
    }
  })

  it('an unknown flag or a bad config exits 2 with a message', async () => {
    const unknown = collect(cli(['--bogus']))
    expect(await unknown.exited).toBe(2)
    expect(unknown.out.stderr).toContain('--bogus')
    const badConfig = join(dir, 'bad.json')
    writeFileSync(badConfig, JSON.stringify({ acessKeys: [] }))
    const bad = collect(cli(['--config', badConfig]))
    expect(await bad.exited).toBe(2)
    expect(bad.out.stderr).toContain('unknown key "acessKeys"')
  })

  it('starts from a config file, serves the SDK, hides the secret and closes on SIGTERM', async () => {
    const config = join(dir, 'emulator.json')
    const credentialsFile = join(dir, 'credentials.json')
    writeFileSync(
      config,
      JSON.stringify({
        accessKeys: [{ accessKeyId: 'LTAI-cli', accessKeySecret: 'cli-secret-value' }],
        secrets: [{ name: 'from-config', value: 'configured' }],
        regionId: 'cn-shanghai',
      }),
    )
    const child = cli(['--config', config, '--credentials-file', credentialsFile])
    const { out, exited } = collect(child)
    await expect.poll(() => out.stdout, { timeout: 15_000 }).toContain('admin endpoint')
    const endpoint = /listening on (http:\/\/[^ ]+)/.exec(out.stdout)?.[1] as string
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(out.stdout).toContain('access key id: LTAI-cli')
    expect(out.stdout).toContain('region cn-shanghai')
    expect(out.stdout).not.toContain('cli-secret-value')
    expect(JSON.parse(readFileSync(credentialsFile, 'utf8'))).toEqual({
      endpoint,
      regionId: 'cn-shanghai',
      accessKeyId: 'LTAI-cli',
      accessKeySecret: 'cli-secret-value',
    })
    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600)

    const port = Number(new URL(endpoint).port)
    const client = sdkClient({
      port,
      regionId: 'cn-shanghai',
      accessKeyId: 'LTAI-cli',
      accessKeySecret: 'cli-secret-value',
    } as KmsEmulator)
    const res = await client.getSecretValue(
      new $Kms.GetSecretValueRequest({ secretName: 'from-config' }),
    )
    expect(res.secretData).toBe('configured')

    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out.stdout).toContain('received SIGTERM, closing')
  })

  it('a SIGTERM sent as soon as the first line is printed closes cleanly (exit 0)', async () => {
    // The handler is installed before anything is printed: a script that waits for the
    // "listening" line and stops the emulator at once got a process killed by the signal.
    const child = cli(['--port', '0'])
    const { out, exited } = collect(child)
    await new Promise<void>((resolve) => {
      child.stdout.on('data', () => {
        if (out.stdout.includes('kms-emulator listening')) resolve()
      })
    })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out.stdout).toContain('received SIGTERM, closing')
  })

  it('--print-env prints the shell exports of the environment that points a client at it', async () => {
    const config = join(dir, 'env.json')
    writeFileSync(
      config,
      JSON.stringify({
        accessKeys: [{ accessKeyId: 'LTAI-env', accessKeySecret: "env'secret" }],
        regionId: 'cn-beijing',
      }),
    )
    const child = cli(['--config', config, '--print-env'])
    const { out, exited } = collect(child)
    await expect.poll(() => out.stdout, { timeout: 15_000 }).toContain('admin endpoint')
    const endpoint = /listening on (http:\/\/[^ ]+)/.exec(out.stdout)?.[1] as string
    const exports = out.stdout.split('\n').filter((line) => line.startsWith('export '))
    const printed = execFileSync('sh', ['-c', `${exports.join('\n')}\nenv`], { encoding: 'utf8' })
    const env = Object.fromEntries(
      printed
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    expect(env).toMatchObject({
      cache_client_region_id: JSON.stringify([{ regionId: 'cn-beijing', endpoint }]),
      credentials_type: 'ak',
      credentials_access_key_id: 'LTAI-env',
      credentials_access_secret: "env'secret",
    })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('--print-credentials prints the secret; flags override the config file', () => {
    const config = join(dir, 'override.json')
    writeFileSync(config, JSON.stringify({ port: 1234, regionId: 'cn-beijing' }))
    const parsed = parseCliArgs([
      '--config',
      config,
      '--port',
      '0',
      '--state',
      'state.json',
      '--allow-short-rotation',
      '--print-credentials',
    ])
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        port: 0,
        regionId: 'cn-beijing',
        stateFile: 'state.json',
        allowShortRotationInterval: true,
      },
      printCredentials: true,
      printEnv: false,
      credentialsFile: undefined,
      verbose: false,
    })
    expect(() => parseCliArgs(['--port', 'eighty'])).toThrow(/--port/)
  })
})
