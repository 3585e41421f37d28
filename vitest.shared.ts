import { defineConfig } from 'vitest/config'

/**
 * Shared vitest settings. In CI every package also writes a JSON report that `.ci/summary.mjs`
 * sums into one closing line.
 */
export function vitestConfig(overrides: { testTimeout?: number; hookTimeout?: number } = {}) {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: overrides.hookTimeout ?? 60_000,
      reporters: process.env.CI
        ? ['default', ['json', { outputFile: 'test-results.json' }]]
        : ['default'],
    },
  })
}
