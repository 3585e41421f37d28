import { runDemo } from './run-demo.js'

// MARIADB_HOST / MARIADB_PORT / MARIADB_USER / MARIADB_PASSWORD point the demo at another server.
const report = await runDemo({
  host: process.env.MARIADB_HOST,
  port: process.env.MARIADB_PORT ? Number(process.env.MARIADB_PORT) : undefined,
  adminUser: process.env.MARIADB_USER,
  adminPassword: process.env.MARIADB_PASSWORD,
})
process.exitCode = report.failedQueries === 0 ? 0 : 1
