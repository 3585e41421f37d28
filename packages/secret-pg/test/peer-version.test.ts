import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { Client } from '../src/index.js'

const require = createRequire(import.meta.url)
const oldestRun = process.env.PEER_VERSIONS === 'oldest'

/**
 * Which pg this run tests: the newest supported (the dev dependency) or, with
 * `PEER_VERSIONS=oldest`, the oldest (`pg-oldest`, aliased by vitest.config.ts, with the oldest
 * pg-pool it allows pinned by the root `pnpm.overrides`). The expected versions come from the peer
 * range in package.json, so the range and the runs cannot drift.
 */
describe('peer version under test', () => {
  const range = String(require('../package.json').peerDependencies.pg)
  const oldest = /^>=(\d+\.\d+\.\d+)/.exec(range)?.[1]
  const major = Number(/<(\d+)$/.exec(range)?.[1])

  it('the sources and the tests load the pg the run asks for', () => {
    const name = oldestRun ? 'pg-oldest' : 'pg'
    // The very module the sources were given (pg is CommonJS: one instance per path).
    expect(pg).toBe(require(name))
    expect(Object.getPrototypeOf(Client.prototype)).toBe(pg.Client.prototype)
    const version = String(require(`${name}/package.json`).version)
    // pg-pool exports no package.json: read it next to its resolved entry.
    const fromPg = createRequire(require.resolve(`${name}/package.json`))
    const poolEntry = fromPg.resolve('pg-pool')
    const poolVersion = String(
      JSON.parse(readFileSync(join(dirname(poolEntry), 'package.json'), 'utf8')).version,
    )
    if (oldestRun) {
      expect(version).toBe(oldest)
      // pg 8.7.3 asks for pg-pool ^3.5.1: its oldest, whose `_expired` the pools rely on.
      expect(poolVersion).toBe('3.5.1')
    } else {
      expect(Number(version.split('.')[0])).toBeLessThan(major)
    }
  })
})
