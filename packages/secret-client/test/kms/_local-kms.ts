import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { secretBody } from './_kms-fixtures.js'

/** A local KMS endpoint on 127.0.0.1 that either answers GetSecretValue or never answers. */
export interface LocalKms {
  /** `http://127.0.0.1:<port>`, for `endpoint`. */
  url: string
  /** Requests received so far. */
  requests: number
  /** TCP connections currently open on the server side. */
  openSockets(): number
  /** Resolves once `n` requests have arrived. */
  requested(n?: number): Promise<void>
  /** Resolves once every connection the server accepted has been closed. */
  allClosed(): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts a real HTTP server: `answer` replies with a secret version (`versionId`), `hang` accepts
 * the connection, reads the request and never replies. Keep-alive is long, so only the client can
 * close an idle connection within a test.
 */
export async function startLocalKms(mode: 'answer' | 'hang', versionId = 'v1'): Promise<LocalKms> {
  const sockets = new Set<Socket>()
  const waiters: (() => void)[] = []
  const check = (): void => {
    for (const waiter of waiters.splice(0)) waiter()
  }
  const server: Server = createServer((request, response) => {
    kms.requests++
    check()
    request.resume()
    if (mode === 'hang') return
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(secretBody({ VersionId: versionId })))
    })
  })
  server.keepAliveTimeout = 600_000
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => {
      sockets.delete(socket)
      check()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const until = (done: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const test = (): void => {
        if (done()) resolve()
        else waiters.push(test)
      }
      test()
    })
  const kms: LocalKms = {
    url: `http://127.0.0.1:${port}`,
    requests: 0,
    openSockets: () => sockets.size,
    requested: (n = 1) => until(() => kms.requests >= n),
    allClosed: () => until(() => sockets.size === 0),
    stop: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return kms
}
