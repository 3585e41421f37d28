import { existsSync, readFileSync } from 'node:fs'
import { KmsEmulatorError } from '../errors.js'
import { writePrivateFile } from '../internal/write-private-file.js'
import type { SecretRecord } from './secret-record.js'

const STATE_VERSION = 1

interface StateFileContent {
  version: number
  secrets: SecretRecord[]
}

/** ` at position N (line L column C)` from a JSON.parse error message, without the quoted text. */
function jsonErrorPosition(err: SyntaxError): string {
  const position = /position (\d+)/.exec(err.message)?.[1]
  const line = /line (\d+) column (\d+)/.exec(err.message)
  if (position === undefined) return ''
  return ` at position ${position}${line ? ` (line ${line[1]} column ${line[2]})` : ''}`
}

/** Reads persisted secrets; a missing file is an empty state. */
export function readStateFile(path: string): SecretRecord[] {
  if (!existsSync(path)) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    if (!(err instanceof SyntaxError)) {
      const code = (err as NodeJS.ErrnoException).code
      throw new KmsEmulatorError(
        'STATE_FILE_INVALID',
        `State file ${path} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      )
    }
    // Not the SyntaxError itself, not even as `cause`: its message quotes the file, whose
    // content is secret values. Only where it failed.
    throw new KmsEmulatorError(
      'STATE_FILE_INVALID',
      `State file ${path} is not valid JSON${jsonErrorPosition(err)}`,
    )
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
  const content: StateFileContent = { version: STATE_VERSION, secrets }
  writePrivateFile(path, `${JSON.stringify(content, null, 2)}\n`)
}
