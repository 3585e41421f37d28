import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type CliIo, runCli } from '../src/internal/run-cli.js'

let dir: string
let out: string[]
let err: string[]

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-cred-'))
  out = []
  err = []
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

const io: CliIo = {
  stdout: (line) => out.push(line),
  stderr: (line) => err.push(line),
  onSignal: () => undefined,
  version: 'test',
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('--credentials-file', () => {
  it('ends with mode 0600 even when the file existed with a wider mode', async () => {
    const file = join(dir, 'creds.json')
    writeFileSync(file, 'old content\n')
    chmodSync(file, 0o644)
    const result = await runCli(['--port', '0', '--credentials-file', file], io)
    if (!('emulator' in result)) throw new Error(`CLI exited: ${err.join('\n')}`)
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
      expect(written.accessKeySecret).toBe(result.emulator.accessKeySecret)
      expect(written.endpoint).toBe(result.emulator.endpoint)
    } finally {
      await result.emulator.close()
    }
  })

  it('a write error closes the emulator and exits non-zero without the secret', async () => {
    const file = join(dir, 'missing-dir', 'creds.json')
    const result = await runCli(['--port', '0', '--credentials-file', file], io)
    expect(result).toEqual({ exitCode: 1 })
    expect(err.join('\n')).toContain('cannot write the credentials file')
    expect(err.join('\n')).toContain('ENOENT')
    const listening = out.find((l) => l.startsWith('kms-emulator listening on '))
    const port = Number(/:(\d+) /.exec(listening ?? '')?.[1])
    expect(port).toBeGreaterThan(0)
    expect(await canConnect(port)).toBe(false)
    expect(out.join('\n')).not.toContain('credentials written')
  })
})
