import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { KmsEmulatorError } from '../errors.js'
import type { SecretRecord } from './secret-record.js'

const STATE_VERSION = 1

interface StateFileContent {
  version: number
  secrets: SecretRecord[]
}

/** Reads persisted secrets; a missing file is an empty state. */
export function readStateFile(path: string): SecretRecord[] {
  if (!existsSync(path)) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new KmsEmulatorError('STATE_FILE_INVALID', `State file ${path} is not valid JSON`, {
      cause,
    })
  }
  const content = parsed as Partial<StateFileContent> | null
  if (
    !content ||
    typeof content !== 'object' ||
    content.version !== STATE_VERSION ||
    !Array.isArray(content.secrets)
  ) {
    throw new KmsEmulatorError(
      'STATE_FILE_INVALID',
      `State file ${path} is not a version ${STATE_VERSION} emulator state`,
    )
  }
  for (const s of content.secrets) {
    if (!s || typeof s.name !== 'string' || !Array.isArray(s.versions)) {
      throw new KmsEmulatorError(
        'STATE_FILE_INVALID',
        `State file ${path} holds a malformed secret`,
      )
    }
  }
  return content.secrets
}

/**
 * Writes the state atomically: a temporary file in the same directory, then a rename, so a crash
 * never leaves a half-written file. Mode 0600 because it holds secret values.
 */
export function writeStateFile(path: string, secrets: SecretRecord[]): void {
  const tmp = `${path}.${process.pid}.tmp`
  const content: StateFileContent = { version: STATE_VERSION, secrets }
  writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
}
