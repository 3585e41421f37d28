import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import mssql from 'mssql'
import tedious from 'tedious'
import { describe, expect, it } from 'vitest'
import * as secretTedious from '../src/index.js'
import { ConnectionPool } from '../src/mssql.js'

const require = createRequire(import.meta.url)
const oldestRun = process.env.PEER_VERSIONS === 'oldest'

const installed = (name: string): string =>
  String(
    JSON.parse(
      readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
    ).version,
  )

/**
 * Which tedious and mssql this run tests: the newest supported that run on Node 20 (the dev
 * dependencies) or, with `PEER_VERSIONS=oldest`, the oldest (`tedious-oldest`, `mssql-oldest`,
 * aliased by vitest.config.ts). The expected versions come from the peer ranges in package.json.
 */
describe('peer versions under test', () => {
  const peers = require('../package.json').peerDependencies as Record<string, string>
  const lowest = (name: string) => /^>=(\d+\.\d+\.\d+)/.exec(String(peers[name]))?.[1]
  const major = (name: string) => Number(/<(\d+)$/.exec(String(peers[name]))?.[1])

  it('the sources and the tests load the tedious the run asks for', () => {
    const version = installed(oldestRun ? 'tedious-oldest' : 'tedious')
    // tedious reports no version at run time: its module object is the one the sources re-export.
    expect(secretTedious.Request).toBe(tedious.Request)
    expect(Object.getPrototypeOf(secretTedious.Connection)).toBe(tedious.Connection)
    if (oldestRun) expect(version).toBe(lowest('tedious'))
    else expect(Number(version.split('.')[0])).toBeLessThan(major('tedious'))
  })

  it('the mssql under test is the one the run asks for', () => {
    const version = installed(oldestRun ? 'mssql-oldest' : 'mssql')
    // The sources' pool is a subclass of the mssql the test imports.
    expect(Object.getPrototypeOf(ConnectionPool)).toBe(mssql.ConnectionPool)
    if (oldestRun) expect(version).toBe(lowest('mssql'))
    else expect(Number(version.split('.')[0])).toBeLessThan(major('mssql'))
  })
})
