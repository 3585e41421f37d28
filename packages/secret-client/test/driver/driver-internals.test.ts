import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DriverInternals } from '../../src/driver/driver-internals.js'
import { isSecretClientError } from '../../src/errors.js'

const nockVersion = String(
  JSON.parse(readFileSync(new URL('../../node_modules/nock/package.json', import.meta.url), 'utf8'))
    .version,
)

const internals = (driver = 'nock') =>
  new DriverInternals({ wrapper: '@org/secret-x', driver, range: '>=1 <2', from: import.meta.url })

describe('DriverInternals', () => {
  it('reads the installed version of the driver as the wrapper resolves it', () => {
    expect(internals().version).toBe(nockVersion)
    expect(internals('no-such-driver-anywhere').version).toBe('unknown')
    // Installed, but its package.json is not exported.
    expect(internals('lru-cache').version).toBe('unknown')
  })

  it('refuses a missing member with INVALID_CONFIG naming wrapper, range, version and member', () => {
    const check: DriverInternals = internals()
    const error = (() => {
      try {
        check.require(false, 'Pool#_closed')
      } catch (caught) {
        return caught
      }
    })()
    expect(isSecretClientError(error, 'INVALID_CONFIG')).toBe(true)
    expect((error as Error).message).toBe(
      `@org/secret-x needs nock >=1 <2; nock ${nockVersion} lacks Pool#_closed`,
    )
    expect(() => check.require(true, 'Pool#_closed')).not.toThrow()
  })

  it('names the first missing method of a prototype', () => {
    class Present {
      a(): void {}
      c = 1
    }
    const check = internals()
    expect(() => check.requireMethods(Present.prototype, 'Present', ['a'])).not.toThrow()
    expect(() => check.requireMethods(Present.prototype, 'Present', ['a', 'b', 'c'])).toThrow(
      /lacks Present#b\(\)$/,
    )
    // A field is not a method, even on an instance.
    expect(() => check.requireMethods(new Present(), 'Present', ['c'])).toThrow(/Present#c\(\)$/)
  })
})
