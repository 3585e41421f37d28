/**
 * Soak: 50 workers for 60 s through knex's mysql2 client on MariaDB, against the KMS emulator, the
 * secret rotating every 2 s (DoubleUsers for 30 s, then SingleUser), a knex instance replaced every
 * 10 s and one worker in five opening its own. Prints failed queries, KMS calls and latency.
 *
 * Run: `pnpm bench:soak` in this package (node --import tsx bench/soak.ts [seconds]).
 */
import { runSoak } from '@org/driver-conformance'
import { isAuthFailure } from '@org/secret-mysql'
import { MySql2Client } from '../src/mysql2.js'
import { knexAdapter } from '../test/knex-adapter.js'

const adapter = knexAdapter(
  '@org/secret-knex (knex mysql2)',
  'mariadb',
  MySql2Client,
  isAuthFailure,
)
const seconds = Number(process.argv[2] ?? 60)
const started = performance.now()
const results = await runSoak(adapter, { durationMs: seconds * 1000 })
console.log(
  `${adapter.name}: soak of ${seconds} s, 50 workers, rotation every 2 s (${((performance.now() - started) / 1000).toFixed(0)} s with set-up)`,
)
console.table(results)
