import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mariadb, probeEmbeddedPostgres, probeMariaDb, requireServer } from '@org/test-support'
import { afterAll, describe, expect, it } from 'vitest'
import type { DemoResult } from '../src/demo-result.js'
import { writeReport } from '../src/report.js'
import { DemoOptionError, type DemoProgress, runDemo } from '../src/run-demo.js'

const postgres = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)
const mariaDb = await requireServer('MariaDB at 127.0.0.1:3306', probeMariaDb)

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

/** What every successful run must show, whatever the database. */
function expectCleanRun(result: DemoResult, progress: DemoProgress[], newLogins = true) {
  const { totals, rotations, samples } = result
  expect(result.interrupted).toBe(false)
  expect(totals.failed).toBe(0)
  expect(totals.queries).toBeGreaterThan(100)
  // Both kinds of rotation really happened, each at least twice.
  expect(rotations.filter((r) => r.kind === 'dual').length).toBeGreaterThanOrEqual(2)
  expect(rotations.filter((r) => r.kind === 'single').length).toBeGreaterThanOrEqual(2)
  // Dual-account rotation alternated the pair (the secret names the clone, and pools whose
  // connections retire log in as it); the single-account phase used its own account.
  const [dualAccount] = totals.accounts
  expect(rotations.filter((r) => r.kind === 'dual').map((r) => r.account)).toContain(
    `${dualAccount}_clone`,
  )
  if (newLogins)
    expect(totals.accounts).toEqual([dualAccount, `${dualAccount}_clone`, expect.any(String)])
  else expect(totals.accounts).toHaveLength(2)
  // The samples add up to the totals, and the live view saw each of them.
  expect(samples.reduce((sum, s) => sum + s.queries, 0)).toBe(totals.queries)
  expect(samples.reduce((sum, s) => sum + s.kmsCalls, 0)).toBe(totals.kmsCalls)
  expect(samples.every((s) => s.failed === 0)).toBe(true)
  expect(progress.map((p) => p.sample)).toEqual(samples)
  expect(samples.some((s) => s.phase === 'dual') && samples.some((s) => s.phase === 'single')).toBe(
    true,
  )
  // Each login needs the secret, but the cache keeps KMS calls far below the query count.
  expect(totals.kmsCalls).toBeGreaterThan(0)
  expect(totals.kmsCalls).toBeLessThan(totals.queries / 10)
}

describe.skipIf(!postgres)('the demo on its default, an embedded PostgreSQL', () => {
  it('rotates both kinds of secret with no failed query, and writes the report', async () => {
    const progress: DemoProgress[] = []
    const result = await runDemo({
      durationMs: 14_000,
      rotationIntervalSec: 2,
      workers: 4,
      onSample: (p) => progress.push(p),
    })
    expect(result.db).toBe('postgres')
    expect(result.driver).toBe('@org/secret-pg')
    expectCleanRun(result, progress)

    const dir = await mkdtemp(join(tmpdir(), 'demo-report-'))
    dirs.push(dir)
    const paths = await writeReport(result, dir)
    const html = await readFile(paths.html, 'utf8')
    const svg = await readFile(paths.svg, 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    expect(html).toContain(svg)
    expect(html).toContain('@org/secret-pg')
  }, 90_000)
})

describe.skipIf(!mariaDb)('the demo on MariaDB', () => {
  // Their pools keep busy connections (no max-uses option): no new logins to show.
  it.each([
    ['mariadb', '@org/secret-mariadb', false],
    ['mysql', '@org/secret-mysql', false],
  ] as const)(
    '--db %s: no failed query, and the accounts and databases it made are dropped',
    async (db, driver, newLogins) => {
      const progress: DemoProgress[] = []
      const result = await runDemo({
        db,
        durationMs: 12_000,
        rotationIntervalSec: 2,
        workers: 4,
        onSample: (p) => progress.push(p),
      })
      expect(result.driver).toBe(driver)
      expectCleanRun(result, progress, newLogins)
      const admin = mariadb()
      try {
        const [dualAccount, singleAccount] = result.totals.accounts
        const users = await admin.query('SELECT User FROM mysql.user WHERE User IN (?, ?, ?)', [
          dualAccount,
          `${dualAccount}_clone`,
          singleAccount,
        ])
        expect(users).toEqual([])
        const databases = await admin.query(
          'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)',
          [`${dualAccount}_shop`, `${singleAccount}_shop`],
        )
        expect(databases).toEqual([])
      } finally {
        await admin.cleanup()
      }
    },
    90_000,
  )
})

describe('runDemo options', () => {
  it.each([
    [{ durationMs: 0 }, /durationMs must be a positive integer/],
    [{ workers: 1.5 }, /workers must be a positive integer/],
    [{ rotationIntervalSec: -1 }, /rotationIntervalSec must be a positive integer/],
  ])('%o is refused before anything starts', async (options, message) => {
    const error = await runDemo(options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DemoOptionError)
    expect(error).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(message) })
  })
})
