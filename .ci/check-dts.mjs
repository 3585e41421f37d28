// Fails when a published declaration file still holds an `@internal` member (tsup builds the
// declarations with `stripInternal`, so test seams never become public API by accident), or when
// the declaration files do not type-check on their own, strictly and without `skipLibCheck`: the
// declaration bundler once emitted JavaScript into them (see scripts/namespace-entry-dts.mjs),
// which users with `skipLibCheck` saw only as an `any` default export.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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

const declarations = readdirSync(dist)
  .filter((name) => /\.d\.c?ts$/.test(name))
  .map((name) => join('dist', name))
const tsc = createRequire(join(process.cwd(), 'package.json')).resolve('typescript/bin/tsc')
try {
  execFileSync(
    process.execPath,
    [
      tsc,
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      'false',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
      ...declarations,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  )
} catch (error) {
  console.error(
    `published declarations do not type-check:\n${error.stdout ?? ''}${error.stderr ?? ''}`,
  )
  process.exit(1)
}
console.log(`declarations: no @internal member; ${declarations.length} files type-check strictly`)
