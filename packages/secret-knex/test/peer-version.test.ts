import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import knex from 'knex'
import MySql2Dialect from 'knex/lib/dialects/mysql2/index.js'
import { describe, expect, it } from 'vitest'
import { MySql2Client } from '../src/mysql2.js'

const require = createRequire(import.meta.url)
const oldestRun = process.env.PEER_VERSIONS === 'oldest'

/**
 * Which knex this run tests: the newest supported (the dev dependency) or, with
 * `PEER_VERSIONS=oldest`, the oldest (`knex-oldest`, aliased by vitest.config.ts). The expected
 * versions come from the peer range in package.json.
 */
describe('peer version under test', () => {
  const range = String(require('../package.json').peerDependencies.knex)
  const oldest = /^>=(\d+\.\d+\.\d+)/.exec(range)?.[1]
  const major = Number(/<(\d+)$/.exec(range)?.[1])

  it('the sources and the tests load the knex the run asks for', () => {
    const name = oldestRun ? 'knex-oldest' : 'knex'
    const manifest = new URL(`../node_modules/${name}/package.json`, import.meta.url)
    const installed = String(JSON.parse(readFileSync(manifest, 'utf8')).version)
    // The sources' client subclasses the dialect of the knex the test imports.
    const db = knex({ client: 'mysql2' })
    expect(Object.getPrototypeOf(MySql2Client)).toBe(MySql2Dialect)
    expect(db.client).toBeInstanceOf(MySql2Dialect)
    if (oldestRun) expect(installed).toBe(oldest)
    else expect(Number(installed.split('.')[0])).toBeLessThan(major)
  })
})
