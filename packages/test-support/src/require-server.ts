import { describe } from 'vitest'

/**
 * Probes a server a test suite needs. Resolves `true` when `probe` succeeds. When it fails:
 * locally the caller should skip (a warning with the reason is printed and `false` is returned);
 * with `process.env.CI` set it throws, because a suite must never be silently skipped in CI.
 *
 * @param name - human-readable server name for the message, e.g. `'MariaDB at 127.0.0.1:3306'`
 * @param probe - resolves when the server is usable, rejects with the reason otherwise
 */
export async function requireServer(name: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe()
    return true
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    if (process.env.CI) {
      throw new Error(`${name} is required in CI but unavailable: ${reason}`)
    }
    console.warn(`[test-support] skipping tests that need ${name}: ${reason}`)
    return false
  }
}

/**
 * `describe` that runs only when `requireServer(name, probe)` succeeds; skipped locally with a
 * printed reason, failing in CI. Await it at the top level of a test file:
 * `await describeWithServer('MariaDB', probeMariaDb, 'mysql engine', () => { … })`.
 *
 * @param name - server name for the skip/failure message
 * @param probe - resolves when the server is usable
 * @param title - the suite title
 * @param body - the suite body, as for `describe`
 */
export async function describeWithServer(
  name: string,
  probe: () => Promise<unknown>,
  title: string,
  body: () => void,
): Promise<void> {
  const available = await requireServer(name, probe)
  describe.skipIf(!available)(title, body)
}
