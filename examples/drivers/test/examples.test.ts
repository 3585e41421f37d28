import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { describe, expect, it } from 'vitest'
import { EXAMPLES, runExample } from '../src/run-example.js'

// Each example program, run as `pnpm example <name>` runs it: against the KMS emulator, with the
// secret's password changing under it every second. Every round must answer, as the account the
// emulator created, and the program must exit 0.

async function check(example: (typeof EXAMPLES)[number]): Promise<void> {
  let output = ''
  const { code, rotations } = await runExample(example, {
    rounds: 5,
    write: (text) => {
      output += text
    },
  })
  expect(code, output).toBe(0)
  const rounds = output.match(/^round \d: queried as example_[0-9a-f]{8}\b/gm) ?? []
  expect(rounds, output).toHaveLength(5)
  expect(rotations, output).toBeGreaterThanOrEqual(1)
  expect(output).not.toMatch(/error/i)
}

describe('examples on servers that always run (embedded PostgreSQL, the TDS test server)', () => {
  for (const example of ['pg', 'tedious', 'mssql'] as const) {
    it(`${example}: every round answers while the password rotates`, () => check(example), 60_000)
  }
})

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'examples on MariaDB', () => {
  for (const example of ['mysql', 'mariadb', 'knex'] as const) {
    it(`${example}: every round answers while the password rotates`, () => check(example), 60_000)
  }
})

it('every example program in src/ is one of those run above', () => {
  const programs = readdirSync(fileURLToPath(new URL('../src', import.meta.url)))
    .filter((file) => file !== 'run-example.ts')
    .map((file) => file.replace(/\.ts$/, ''))
  expect(programs.sort()).toEqual([...EXAMPLES].sort())
  expect([...EXAMPLES].sort()).toEqual(['knex', 'mariadb', 'mssql', 'mysql', 'pg', 'tedious'])
})
