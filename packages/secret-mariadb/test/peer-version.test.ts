import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import mariadb from 'mariadb'
import { describe, expect, it } from 'vitest'
import * as secretMariadb from '../src/index.js'

const require = createRequire(import.meta.url)
const oldestRun = process.env.PEER_VERSIONS === 'oldest'

/**
 * Which connector this run tests: the newest supported (the dev dependency) or, with
 * `PEER_VERSIONS=oldest`, the oldest (`mariadb-oldest`, aliased by vitest.config.ts). The expected
 * versions come from the peer range in package.json, so the range and the runs cannot drift.
 */
describe('peer version under test', () => {
  const range = String(require('../package.json').peerDependencies.mariadb)
  const oldest = /^>=(\d+\.\d+\.\d+)/.exec(range)?.[1]
  const major = Number(/<(\d+)$/.exec(range)?.[1])

  it('the sources and the tests load the connector the run asks for', () => {
    const name = oldestRun ? 'mariadb-oldest' : 'mariadb'
    // 3.5's exports map hides package.json: read it where the dependency is linked.
    const manifest = new URL(`../node_modules/${name}/package.json`, import.meta.url)
    const installed = String(JSON.parse(readFileSync(manifest, 'utf8')).version)
    // The connector reports its own version; the sources re-export the module the test sees.
    expect(mariadb.version).toBe(installed)
    expect(secretMariadb.version).toBe(installed)
    expect(secretMariadb.SqlError).toBe(mariadb.SqlError)
    if (oldestRun) expect(installed).toBe(oldest)
    else expect(Number(installed.split('.')[0])).toBeLessThan(major)
  })
})
