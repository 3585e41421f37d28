import { createRequire } from 'node:module'
import mysql from 'mysql2'
import { describe, expect, it } from 'vitest'
import { SecretConnection } from '../src/index.js'

const require = createRequire(import.meta.url)
const oldestRun = process.env.PEER_VERSIONS === 'oldest'

/**
 * Which mysql2 this run tests: the newest supported (the dev dependency) or, with
 * `PEER_VERSIONS=oldest`, the oldest (`mysql2-oldest`, aliased by vitest.config.ts). The expected
 * versions come from the peer range in package.json, so the range and the runs cannot drift.
 */
describe('peer version under test', () => {
  const range = String(require('../package.json').peerDependencies.mysql2)
  const oldest = /^>=(\d+\.\d+\.\d+)/.exec(range)?.[1]
  const major = Number(/<(\d+)$/.exec(range)?.[1])

  it('the sources and the tests load the mysql2 the run asks for', () => {
    const name = oldestRun ? 'mysql2-oldest' : 'mysql2'
    // The very module the sources were given (mysql2 is CommonJS: one instance per path).
    expect(mysql).toBe(require(name))
    expect(Object.getPrototypeOf(SecretConnection.prototype)).toBe(mysql.Connection.prototype)
    const version = String(require(`${name}/package.json`).version)
    if (oldestRun) expect(version).toBe(oldest)
    else expect(Number(version.split('.')[0])).toBeLessThan(major)
  })
})
