// Sums the vitest JSON reports of every package into one closing line per run: the main one
// (newest peer drivers) and the oldest-peer one.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

function sum(reportName) {
  const totals = { passed: 0, failed: 0, skipped: 0 }
  for (const dir of ['packages', 'examples']) {
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir)) {
      const file = join(dir, name, reportName)
      if (!existsSync(file)) continue
      const report = JSON.parse(readFileSync(file, 'utf8'))
      totals.passed += report.numPassedTests
      totals.failed += report.numFailedTests
      totals.skipped += report.numPendingTests + report.numTodoTests
    }
  }
  return totals
}

const main = sum('test-results.json')
const oldest = sum('test-results-oldest.json')
console.log(`Tests: ${main.passed} passed, ${main.failed} failed, ${main.skipped} skipped`)
console.log(
  `Tests on the oldest supported drivers: ${oldest.passed} passed, ${oldest.failed} failed, ${oldest.skipped} skipped`,
)

// Every failure's digest (see error-digest-reporter.ts), printed last: errors outside any test
// fail the run too, though the JSON reports do not count them.
let digests = 0
for (const dir of ['packages', 'examples']) {
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) {
    for (const file of ['test-errors.txt', 'test-errors-oldest.txt']) {
      const path = join(dir, name, file)
      if (!existsSync(path)) continue
      const text = readFileSync(path, 'utf8').trim()
      if (text === '') continue
      digests++
      console.log(`\n--- ${path}\n${text}`)
    }
  }
}
const bad = (t) => t.failed > 0 || t.passed === 0
process.exit(bad(main) || bad(oldest) || digests > 0 ? 1 : 0)
