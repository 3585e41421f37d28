/**
 * Soak: 50 workers for 60 s through knex's mysql2 client on MariaDB, against the KMS emulator, the
 * secret rotating every 2 s (DoubleUsers for 30 s, then SingleUser), a knex instance replaced every
 * 10 s and one worker in five opening its own. Prints failed queries, KMS calls and latency.
 *
 * Run: `pnpm bench:soak` in this package (node --import tsx bench/soak.ts [seconds]).
 */
import { soakBench } from '@org/driver-conformance'
import { isAuthFailure } from '@org/secret-mysql'
import { MySql2Client } from '../src/mysql2.js'
import { knexAdapter } from '../test/knex-adapter.js'

const adapter = knexAdapter(
  '@org/secret-knex (knex mysql2)',
  'mariadb',
  MySql2Client,
  isAuthFailure,
)
await soakBench(adapter)
