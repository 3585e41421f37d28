import { writeFileSync } from 'node:fs'
import type { Reporter } from 'vitest/reporters'

/**
 * Writes every failure of a run — failed tests and errors outside any test (unhandled
 * rejections, errors emitted after a test ended) — with its stack to one file, which
 * `.ci/summary.mjs` prints last. CI's record keeps only the tail of the log, where the default
 * reporter's account of an unhandled error is long gone.
 */
export class ErrorDigestReporter implements Reporter {
  constructor(private readonly file: string) {}

  onTestRunEnd: Reporter['onTestRunEnd'] = (testModules, unhandledErrors) => {
    const lines: string[] = []
    for (const module of testModules) {
      for (const test of module.children.allTests('failed')) {
        for (const error of test.result().errors ?? []) {
          lines.push(`FAIL ${module.moduleId} > ${test.fullName}`, describe(error), '')
        }
      }
      for (const error of module.errors()) {
        lines.push(`FAIL ${module.moduleId} (module)`, describe(error), '')
      }
    }
    for (const error of unhandledErrors) {
      lines.push('UNHANDLED', describe(error), '')
    }
    writeFileSync(this.file, lines.join('\n'))
  }
}

type Described = { name?: string; message?: string; stack?: string } & Record<string, unknown>

/** The stack (or name and message), and what vitest and Node add: the test it ran in, the code. */
function describe(error: Described): string {
  const text = error.stack ?? `${error.name ?? 'Error'}: ${error.message ?? ''}`
  const extra = ['code', 'VITEST_TEST_PATH', 'VITEST_TEST_NAME', 'VITEST_AFTER_ENV_TEARDOWN']
    .filter((key) => error[key] !== undefined)
    .map((key) => `  ${key}: ${String(error[key])}`)
  return [...text.split('\n').slice(0, 25), ...extra].join('\n')
}
