import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  DeferredSocket,
  type SocketTarget,
  type SocketTargetResolver,
} from '../../src/driver/deferred-socket.js'

/** A server that records what its connections receive and whether they were ended. */
interface RecordingServer {
  server: Server
  accepted: Socket[]
  received: string[]
  ended: boolean[]
  /** Resolves with the index of the next accepted connection. */
  nextConnection(): Promise<number>
  /** Resolves when connection `index` has received `'end'`. */
  endOf(index: number): Promise<void>
}

function recordingServer(): RecordingServer {
  const accepted: Socket[] = []
  const received: string[] = []
  const ended: boolean[] = []
  const endWaiters = new Map<number, () => void>()
  const connectionWaiters: Array<(index: number) => void> = []
  const server = createServer((socket) => {
    const index = accepted.push(socket) - 1
    received[index] = ''
    ended[index] = false
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      received[index] += chunk
    })
    socket.on('end', () => {
      ended[index] = true
      endWaiters.get(index)?.()
      socket.end()
    })
    socket.on('error', () => {})
    connectionWaiters.shift()?.(index)
  })
  return {
    server,
    accepted,
    received,
    ended,
    nextConnection: () => new Promise((resolve) => connectionWaiters.push(resolve)),
    endOf: (index) =>
      ended[index] === true
        ? Promise.resolve()
        : new Promise((resolve) => endWaiters.set(index, resolve)),
  }
}

async function listenTcp(recording: RecordingServer): Promise<number> {
  recording.server.listen(0, '127.0.0.1')
  await once(recording.server, 'listening')
  return (recording.server.address() as { port: number }).port
}

/** A resolver the test settles by hand, recording the signal it was given. */
function manualResolver() {
  const calls: AbortSignal[] = []
  let settle: {
    resolve(target: SocketTarget | undefined): void
    reject(error: unknown): void
  } = { resolve: () => {}, reject: () => {} }
  const resolver: SocketTargetResolver = (signal) => {
    calls.push(signal)
    return new Promise((resolve, reject) => {
      settle = { resolve, reject }
    })
  }
  return {
    resolver,
    calls,
    resolve: (target: SocketTarget | undefined) => settle.resolve(target),
    reject: (error: unknown) => settle.reject(error),
  }
}

/** Lets promise callbacks and I/O callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve))

let servers: Server[]
let recorders: RecordingServer[]
let sockets: Socket[]
let tempDirs: string[]
let tcp: RecordingServer
let port: number

function track<T extends Socket>(socket: T): T {
  sockets.push(socket)
  return socket
}

beforeEach(async () => {
  servers = []
  recorders = []
  sockets = []
  tempDirs = []
  tcp = recordingServer()
  recorders.push(tcp)
  servers.push(tcp.server)
  port = await listenTcp(tcp)
})

afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  for (const recording of recorders) for (const socket of recording.accepted) socket.destroy()
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) resolve()
          else server.close(() => resolve())
        }),
    ),
  )
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

describe('DeferredSocket', () => {
  it('connect() returns at once, looking like a connect in progress, and calls the resolver with a signal', () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    expect(socket.waiting).toBe(false)
    expect(manual.calls).toHaveLength(0)
    expect(socket.connect(port, '127.0.0.1')).toBe(socket)
    expect(socket.connecting).toBe(true)
    expect(socket.pending).toBe(true)
    expect(socket.waiting).toBe(true)
    expect(manual.calls).toHaveLength(1)
    expect(manual.calls[0]).toBeInstanceOf(AbortSignal)
    expect(manual.calls[0]?.aborted).toBe(false)
  })

  it('connects where the resolved { port, host } says, not to the connect() arguments', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    socket.connect(1, '127.0.0.1')
    const accepted = tcp.nextConnection()
    manual.resolve({ port, host: '127.0.0.1' })
    await once(socket, 'connect')
    expect(await accepted).toBe(0)
    expect(socket.remotePort).toBe(port)
    expect(socket.remoteAddress).toBe('127.0.0.1')
    expect(socket.waiting).toBe(false)
    expect(socket.connecting).toBe(false)
    expect(socket.pending).toBe(false)
    expect(manual.calls[0]?.aborted).toBe(false)
  })

  it('uses the connect() arguments when the resolver resolves undefined', async () => {
    const socket = track(new DeferredSocket(async () => undefined))
    const accepted = tcp.nextConnection()
    let listenerCalled = false
    socket.connect(port, '127.0.0.1', () => {
      listenerCalled = true
    })
    await once(socket, 'connect')
    expect(await accepted).toBe(0)
    expect(socket.remotePort).toBe(port)
    expect(listenerCalled).toBe(true)
  })

  it('uses the connect() options object when the resolver resolves undefined', async () => {
    const socket = track(new DeferredSocket(async () => undefined))
    socket.connect({ port, host: '127.0.0.1' })
    await once(socket, 'connect')
    expect(socket.remotePort).toBe(port)
    expect(tcp.accepted).toHaveLength(1)
  })

  it('connects over a unix socket for a { path } target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deferred-socket-'))
    tempDirs.push(dir)
    const path = join(dir, 'db.sock')
    const unix = recordingServer()
    recorders.push(unix)
    servers.push(unix.server)
    unix.server.listen(path)
    await once(unix.server, 'listening')
    const socket = track(new DeferredSocket(async () => ({ path })))
    const accepted = unix.nextConnection()
    socket.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    expect(await accepted).toBe(0)
    expect(tcp.accepted).toHaveLength(0)
    socket.end('over unix')
    await unix.endOf(0)
    expect(unix.received[0]).toBe('over unix')
  })

  it('delivers data written while waiting, in order, once connected', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    socket.connect(1, '127.0.0.1')
    const written: Array<Error | null | undefined> = []
    socket.write('hello ', (err) => written.push(err))
    socket.write('world', (err) => written.push(err))
    await tick()
    expect(tcp.accepted).toHaveLength(0)
    expect(written).toEqual([])
    const accepted = tcp.nextConnection()
    manual.resolve({ port, host: '127.0.0.1' })
    const index = await accepted
    await once(socket, 'connect')
    socket.end('!')
    await tcp.endOf(index)
    expect(tcp.received[index]).toBe('hello world!')
    expect(written).toHaveLength(2)
    expect(written.every((err) => err == null)).toBe(true)
  })

  it('carries out end() called while waiting once connected, after the earlier writes', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    socket.connect(1, '127.0.0.1')
    socket.write('before ')
    const finished = once(socket, 'finish')
    let ended = false
    socket.end('end', () => {
      ended = true
    })
    const accepted = tcp.nextConnection()
    manual.resolve({ port, host: '127.0.0.1' })
    const index = await accepted
    await tcp.endOf(index)
    expect(tcp.received[index]).toBe('before end')
    await finished
    expect(ended).toBe(true)
  })

  it("calls connect()'s listener when the resolver gives another target", async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    let called = 0
    socket.connect(1, '127.0.0.1', () => {
      called += 1
    })
    manual.resolve({ port, host: '127.0.0.1' })
    await once(socket, 'connect')
    await tick()
    expect(called).toBe(1)
  })

  it("destroyed while waiting, it emits 'close' a loop turn after 'error', as a connecting socket does", async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    const events: string[] = []
    socket.on('error', () => {
      events.push('error')
      process.nextTick(() => events.push('nextTick after error'))
      queueMicrotask(() => events.push('microtask after error'))
    })
    const closed = new Promise<void>((resolve) =>
      socket.on('close', (hadError) => {
        events.push(`close ${hadError}`)
        resolve()
      }),
    )
    socket.connect(1, '127.0.0.1')
    socket.destroy(new Error('timeout expired'))
    await closed
    expect(events).toEqual(['error', 'nextTick after error', 'microtask after error', 'close true'])
  })

  it("a resolver that fails emits 'error', then 'close' a loop turn later (a settled connect first)", async () => {
    const socket = track(
      new DeferredSocket(() => {
        throw new Error('no KMS settings')
      }),
    )
    const events: string[] = []
    const closed = new Promise<void>((resolve) =>
      socket.on('close', () => {
        events.push('close')
        resolve()
      }),
    )
    socket.on('error', (error) => {
      events.push(`error ${error.message}`)
      // What a driver does with it: settle a promise, whose reaction runs before 'close'.
      Promise.resolve().then(() => events.push('settled'))
    })
    socket.connect(1, '127.0.0.1')
    await closed
    expect(events).toEqual(['error no KMS settings', 'settled', 'close'])
  })

  it("a shared controller aborted by its owner while waiting: the resolver's rejection destroys the socket", async () => {
    const controller = new AbortController()
    const socket = track(
      new DeferredSocket(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('rotation aborted'))),
          ),
        { controller },
      ),
    )
    const failed = new Promise<Error>((resolve) => socket.on('error', resolve))
    socket.connect(1, '127.0.0.1')
    controller.abort()
    expect((await failed).message).toBe('rotation aborted')
    expect(socket.destroyed).toBe(true)
  })

  it('a resolver answering synchronously connects in the same tick, never waiting', async () => {
    const socket = track(new DeferredSocket(() => ({ port, host: '127.0.0.1' })))
    const accepted = tcp.nextConnection()
    socket.connect(1, '127.0.0.1')
    expect(socket.waiting).toBe(false)
    await accepted
    await once(socket, 'connect')
  })

  it('destroy() while waiting aborts the signal, emits close and never connects', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    const errors: unknown[] = []
    socket.on('error', (err) => errors.push(err))
    socket.connect(port, '127.0.0.1')
    const closed = once(socket, 'close')
    socket.destroy()
    expect(manual.calls[0]?.aborted).toBe(true)
    expect(socket.waiting).toBe(false)
    await closed
    // A late answer of the resolver connects nothing.
    manual.resolve({ port, host: '127.0.0.1' })
    await tick()
    await tick()
    expect(tcp.accepted).toHaveLength(0)
    expect(errors).toEqual([])
    expect(socket.destroyed).toBe(true)
  })

  it('destroy(error) while waiting emits that error and aborts the signal', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    socket.connect(port, '127.0.0.1')
    const boom = new Error('connect timeout')
    const failed = once(socket, 'error')
    socket.destroy(boom)
    expect((await failed)[0]).toBe(boom)
    expect(manual.calls[0]?.aborted).toBe(true)
  })

  it('abandon() while waiting destroys it without an error event', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    const errors: unknown[] = []
    socket.on('error', (err) => errors.push(err))
    socket.connect(port, '127.0.0.1')
    const closed = once(socket, 'close')
    socket.abandon()
    expect(manual.calls[0]?.aborted).toBe(true)
    expect(socket.waiting).toBe(false)
    expect(socket.destroyed).toBe(true)
    await closed
    manual.resolve(undefined)
    await tick()
    await tick()
    expect(errors).toEqual([])
    expect(tcp.accepted).toHaveLength(0)
  })

  it('abandon() before connect() and once connected does nothing', async () => {
    const socket = track(new DeferredSocket(async () => ({ port, host: '127.0.0.1' })))
    socket.abandon()
    expect(socket.destroyed).toBe(false)
    const accepted = tcp.nextConnection()
    socket.connect(1, '127.0.0.1')
    await once(socket, 'connect')
    const index = await accepted
    socket.abandon()
    expect(socket.destroyed).toBe(false)
    socket.end('still open')
    await tcp.endOf(index)
    expect(tcp.received[index]).toBe('still open')
  })

  it('abandon() after the target is known but before connecting does nothing', async () => {
    const socket = track(new DeferredSocket(async () => ({ port, host: '127.0.0.1' })))
    socket.connect(1, '127.0.0.1')
    // The resolver has answered: the real connect is in progress.
    await Promise.resolve()
    await Promise.resolve()
    expect(socket.waiting).toBe(false)
    socket.abandon()
    expect(socket.destroyed).toBe(false)
    await once(socket, 'connect')
  })

  it('a rejecting resolver destroys the socket with that very error', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    socket.connect(port, '127.0.0.1')
    const failed = once(socket, 'error')
    const closed = new Promise((resolve) => socket.once('close', resolve))
    const rejection = new Error('secret unavailable')
    manual.reject(rejection)
    const [error] = await failed
    expect(error).toBe(rejection)
    await closed
    expect(socket.destroyed).toBe(true)
    expect(socket.waiting).toBe(false)
    expect(tcp.accepted).toHaveLength(0)
  })

  it.each([
    ['a string', 'nope', 'nope'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
  ])('a non-Error rejection (%s) becomes an Error', async (_label, reason, message) => {
    const socket = track(new DeferredSocket(() => Promise.reject(reason)))
    socket.connect(port, '127.0.0.1')
    const [error] = await once(socket, 'error')
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe(message)
  })

  it('a resolver that throws synchronously behaves like a rejection', async () => {
    const thrown = new Error('sync')
    const socket = track(
      new DeferredSocket(() => {
        throw thrown
      }),
    )
    expect(() => socket.connect(port, '127.0.0.1')).not.toThrow()
    expect(socket.connecting).toBe(true)
    const [error] = await once(socket, 'error')
    expect(error).toBe(thrown)
    expect(tcp.accepted).toHaveLength(0)
  })

  it('a synchronous non-Error throw becomes an Error too', async () => {
    const socket = track(
      new DeferredSocket(() => {
        throw 'sync string'
      }),
    )
    socket.connect(port, '127.0.0.1')
    const [error] = await once(socket, 'error')
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('sync string')
  })

  it('a rejection after destroy() is not reported', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    const errors: unknown[] = []
    socket.on('error', (err) => errors.push(err))
    socket.connect(port, '127.0.0.1')
    socket.destroy()
    manual.reject(new Error('late'))
    await tick()
    await tick()
    expect(errors).toEqual([])
  })

  it('waiting is false before connect(), true while the target is unknown, false once known', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    expect(socket.waiting).toBe(false)
    socket.connect(1, '127.0.0.1')
    expect(socket.waiting).toBe(true)
    await tick()
    expect(socket.waiting).toBe(true)
    manual.resolve({ port, host: '127.0.0.1' })
    await Promise.resolve()
    await Promise.resolve()
    expect(socket.waiting).toBe(false)
    await once(socket, 'connect')
    expect(socket.waiting).toBe(false)
    socket.destroy()
    expect(socket.waiting).toBe(false)
  })

  it('a second connect() after close is a plain net.Socket connect', async () => {
    let resolves = 0
    const socket = track(
      new DeferredSocket(async () => {
        resolves += 1
        return { port, host: '127.0.0.1' }
      }),
    )
    socket.connect(1, '127.0.0.1')
    await once(socket, 'connect')
    socket.destroy()
    await once(socket, 'close')
    const accepted = tcp.nextConnection()
    let listenerCalled = false
    socket.connect(port, '127.0.0.1', () => {
      listenerCalled = true
    })
    expect(socket.waiting).toBe(false)
    await once(socket, 'connect')
    expect(await accepted).toBe(1)
    expect(resolves).toBe(1)
    expect(listenerCalled).toBe(true)
    expect(tcp.accepted).toHaveLength(2)
  })

  it('a second connect() after an abandoned wait goes straight to its arguments', async () => {
    const manual = manualResolver()
    const socket = track(new DeferredSocket(manual.resolver))
    socket.connect(1, '127.0.0.1')
    socket.abandon()
    await once(socket, 'close')
    socket.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    expect(manual.calls).toHaveLength(1)
    expect(socket.remotePort).toBe(port)
  })

  it('is a net.Socket and passes its constructor options on', () => {
    const socket = track(new DeferredSocket(async () => undefined, { allowHalfOpen: true }))
    expect(socket).toBeInstanceOf(Socket)
    expect(socket.allowHalfOpen).toBe(true)
  })
})
