import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs'

/**
 * Writes a file only its owner can read (mode 0600), atomically: a temporary file in the same
 * directory, then a rename. The rename replaces an existing file, so a file that existed with a
 * wider mode still ends up 0600 (writeFileSync's `mode` only applies to a new file), and a crash
 * never leaves half the content behind.
 */
export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, content, { mode: 0o600 })
    // A stale temporary file from a crashed run keeps its mode through writeFileSync.
    chmodSync(tmp, 0o600)
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}
