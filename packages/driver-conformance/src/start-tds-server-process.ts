import { fork } from 'node:child_process'
import { once } from 'node:events'

/** A test TDS server running in a child process (see {@link startTdsServerProcess}). */
export interface TdsServerProcess {
  host: string
  port: number
  adminLogin: string
  adminPassword: string
  /** Stops the server and its process. */
  close(): Promise<void>
}

/**
 * Starts the test-only TDS server in a process of its own, for benchmarks: the clients measured
 * (the raw driver and the wrapper alike) then do not share their event loop with the server.
 * Needs tsx (the child runs `tds-server-process.ts` with `--import tsx`).
 */
export async function startTdsServerProcess(): Promise<TdsServerProcess> {
  const child = fork(new URL('./tds-server-process.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer]
  const server = JSON.parse(line.toString()) as Omit<TdsServerProcess, 'close'>
  return {
    ...server,
    async close() {
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
