// Loads every entry point of the package in the current directory from its built files, as a
// user would — `import` and `require` of each subpath in its `exports` — and fails when one does
// not load, an export is `undefined`, or the two formats export different names. Declarations and
// type profiles are attw's job; this catches a bundle that type-checks but breaks at run time
// (e.g. a CommonJS build reading `.default` of a driver that sets `__esModule`).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const manifest = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'))
const require = createRequire(pathToFileURL(join(process.cwd(), 'package.json')))
const problems = []
for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
  if (subpath.endsWith('.json') || typeof target !== 'object') continue
  const specifier = manifest.name + subpath.slice(1)
  let esm
  let cjs
  // The ESM file the `import` condition names (a dynamic import here would resolve from .ci/).
  const importTarget = typeof target.import === 'string' ? target.import : target.import?.default
  try {
    esm = await import(pathToFileURL(join(process.cwd(), importTarget ?? target.default)).href)
  } catch (error) {
    problems.push(`import('${specifier}'): ${error.message}`)
  }
  if (target.require !== undefined) {
    try {
      cjs = require(specifier)
    } catch (error) {
      problems.push(`require('${specifier}'): ${error.message}`)
    }
  }
  const esmNames = Object.keys(esm ?? {}).filter((name) => name !== 'default')
  for (const name of esmNames) {
    if (esm[name] === undefined) problems.push(`import('${specifier}').${name} is undefined`)
  }
  if (cjs !== undefined) {
    const cjsNames = Object.keys(cjs).filter((name) => name !== 'default' && name !== '__esModule')
    for (const name of cjsNames) {
      if (cjs[name] === undefined) problems.push(`require('${specifier}').${name} is undefined`)
    }
    const missing = esmNames.filter((name) => !cjsNames.includes(name))
    if (missing.length > 0) problems.push(`require('${specifier}') lacks ${missing.join(', ')}`)
  }
}
if (problems.length > 0) {
  console.error(`entry points of ${manifest.name}:\n${problems.join('\n')}`)
  process.exit(1)
}
console.log(`entry points of ${manifest.name}: every export loads in both formats`)
