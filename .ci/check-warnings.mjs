// Fails when the install or test logs given as arguments hold a warning: Node process warnings
// (MaxListenersExceededWarning, DeprecationWarning, …), pnpm's WARN lines (deprecated packages,
// unmet peers, bins it could not create) and turbo's WARNING lines (e.g. "no output files found").
// `pnpm install` and `pnpm test` are meant to print none: one printed in every run teaches people to
// ignore the next one.
import { readFileSync } from 'node:fs'

const PATTERNS = [
  /\(node:\d+\) (?:\[[A-Z0-9]+\] )?\w*Warning\b/, // process.emitWarning's output
  /(?:^|\s)WARN\s/, // pnpm
  /(?:^|\s)WARNING\s/, // turbo
  /unmet peer|Failed to create bin/i, // pnpm's peer and bin reports
]

// turbo's note that a task failed (with --continue): the failure itself is the summary's to report.
const REPORTED_ELSEWHERE = /command finished with error, but continuing/

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colours of the logs
const ansi = /\u001b\[[0-9;]*m/g
let found = 0
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').replace(ansi, '').split('\n')
  lines.forEach((line, i) => {
    if (PATTERNS.some((p) => p.test(line)) && !REPORTED_ELSEWHERE.test(line)) {
      found++
      console.log(`${file}:${i + 1}: ${line.trim().slice(0, 300)}`)
    }
  })
}
if (found > 0) {
  console.log(`check-warnings: ${found} warning line(s) above; install and tests must print none`)
  process.exit(1)
}
console.log(`check-warnings: no warning in ${process.argv.slice(2).join(', ')}`)
