// Fails when a published declaration file still holds an `@internal` member: tsup builds the
// declarations with `stripInternal`, so test seams never become public API by accident.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dist = join(process.cwd(), 'dist')
const leaks = []
for (const name of readdirSync(dist)) {
  if (!/\.d\.c?ts$/.test(name)) continue
  const lines = readFileSync(join(dist, name), 'utf8').split('\n')
  lines.forEach((line, index) => {
    if (line.includes('@internal')) leaks.push(`${name}:${index + 1}: ${line.trim()}`)
  })
}
if (leaks.length > 0) {
  console.error(`@internal members in published declarations:\n${leaks.join('\n')}`)
  process.exit(1)
}
console.log('declarations: no @internal member')
