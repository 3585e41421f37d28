/**
 * The test-only TDS server in a process of its own, so the benchmark's client side (raw tedious
 * and this package alike) does not share its event loop with the server. Prints one JSON line
 * (`host`, `port`, `adminLogin`, `adminPassword`) once listening; stops on SIGTERM or when its
 * parent goes away.
 */
import { startTdsServer } from '@org/test-support'

const server = await startTdsServer()
process.stdout.write(
  `${JSON.stringify({
    host: server.host,
    port: server.port,
    adminLogin: server.adminLogin,
    adminPassword: server.adminPassword,
  })}\n`,
)
const stop = () => {
  server.close().finally(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('disconnect', stop)
