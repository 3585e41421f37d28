import { createRequire } from 'node:module'
import { runCli } from './internal/run-cli.js'

// The bundle lives in dist/, next to package.json's parent; read the version without importing JSON.
function packageVersion(): string {
  try {
    const require = createRequire(import.meta.url)
    return (require('../package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
}

const result = await runCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  onSignal: (handler) => {
    let handled = false
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (handled) return
        handled = true
        handler(signal)
      })
    }
  },
  version: packageVersion(),
})
if ('exitCode' in result) process.exitCode = result.exitCode
else process.exitCode = await result.closed
