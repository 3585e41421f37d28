import { defineConfig } from 'vitest/config'
import { ErrorDigestReporter } from './.ci/error-digest-reporter.js'

/** Options of {@link vitestConfig}. */
export interface VitestConfigOptions {
  testTimeout?: number
  hookTimeout?: number
  /**
   * The oldest supported version of each peer driver, installed under an alias (e.g.
   * `{ mysql2: 'mysql2-oldest' }`): with `PEER_VERSIONS=oldest` every import of the driver (and
   * of its subpaths) from the sources and tests resolves to it. `.ci/peers` runs the drop-in and
   * conformance suites that way; the plain run tests the newest version.
   */
  oldestPeers?: Record<string, string>
}

/**
 * Shared vitest settings. In CI every package also writes a JSON report that `.ci/summary.mjs`
 * sums into one closing line.
 */
export function vitestConfig(overrides: VitestConfigOptions = {}) {
  const oldest = process.env.PEER_VERSIONS === 'oldest'
  const alias = oldest
    ? Object.entries(overrides.oldestPeers ?? {}).map(([name, target]) => ({
        find: new RegExp(`^${name}(/.*)?$`),
        replacement: `${target}$1`,
      }))
    : []
  return defineConfig({
    resolve: { alias },
    test: {
      // Built workspace packages (the KMS emulator's database engines) keep the driver they were
      // built against: loaded by Node, not by vitest, the alias does not reach them.
      server: { deps: { external: oldest ? [/\/packages\/[^/]+\/dist\//] : [] } },
      include: ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: overrides.hookTimeout ?? 60_000,
      // The oldest-peer run reports separately, so the main summary keeps its own counts.
      reporters: process.env.CI
        ? [
            'default',
            ['json', { outputFile: oldest ? 'test-results-oldest.json' : 'test-results.json' }],
            new ErrorDigestReporter(oldest ? 'test-errors-oldest.txt' : 'test-errors.txt'),
          ]
        : ['default'],
    },
  })
}
