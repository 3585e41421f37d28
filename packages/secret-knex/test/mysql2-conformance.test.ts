import { runDriverConformance } from '@org/driver-conformance'
import { isAuthFailure } from '@org/secret-mysql'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { MySql2Client } from '../src/mysql2.js'
import { knexAdapter } from './knex-adapter.js'

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'secret-knex mysql2', () =>
  runDriverConformance(
    knexAdapter('@org/secret-knex (knex mysql2)', 'mariadb', MySql2Client, isAuthFailure),
  ),
)
