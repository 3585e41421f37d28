// Writes the declaration files of entries whose default export is the namespace of a module that
// re-exports a driver (`import * as ns from './exports.js'; export * from './exports.js';
// export default ns`). tsup's declaration bundler (rollup-plugin-dts) cannot express that
// namespace: it emitted JavaScript (`_mergeNamespaces`) or type-only names used as values into
// the .d.ts, which typed the default export as broken (`any` for most users). tsup bundles the
// declarations of the re-exporting module instead (`dts.entry`), and the entry's own declaration
// file is its source, which holds nothing but imports, exports and comments: copied as the .d.ts,
// and as the .d.cts with `./x.js` specifiers turned into `./x.cjs`.
//
// Usage (in a package, after tsup): node ../../scripts/namespace-entry-dts.mjs index promise
import { readFileSync, writeFileSync } from 'node:fs'

const entries = process.argv.slice(2)
if (entries.length === 0) {
  console.error('usage: namespace-entry-dts.mjs <entry>... (src/<entry>.ts → dist/<entry>.d.ts)')
  process.exit(2)
}
for (const entry of entries) {
  const source = readFileSync(`src/${entry}.ts`, 'utf8')
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const declarationOnly = code.every((line) =>
    /^(import \* as \w+ from '\.\/[\w-]+\.js'|export \* from '\.\/[\w-]+\.js'|export default \w+)$/.test(
      line,
    ),
  )
  if (!declarationOnly) {
    console.error(`src/${entry}.ts must hold only a namespace import, export * and export default`)
    process.exit(1)
  }
  writeFileSync(`dist/${entry}.d.ts`, source)
  writeFileSync(`dist/${entry}.d.cts`, source.replace(/'(\.\/[\w-]+)\.js'/g, "'$1.cjs'"))
}
console.log(`declarations of ${entries.join(', ')} written from their sources`)
