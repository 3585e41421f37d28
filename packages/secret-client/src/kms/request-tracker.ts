import { AsyncLocalStorage } from 'node:async_hooks'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Agent, ClientRequest, IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { retryAfterOf } from '../classify-error.js'

/**
 * Largest response body read from KMS. A GetSecretValue answer is a few KB (a value is at most
 * 64 KB, base64 of binary data included); anything far larger is not KMS (a proxy's page, a
 * misdirected endpoint) and would otherwise be buffered whole by the SDK.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024

/** What the responses of one SDK call showed, for the sender to put on its error. */
export interface ResponseFacts {
  /** The server's retry hint of the last response (`x-acs-retry-after` / `Retry-After`), in ms. */
  retryAfterMs?: number
  /** The response body exceeded {@link MAX_RESPONSE_BYTES}; the request was destroyed. */
  oversize?: boolean
}

/**
 * Node publishes every `http`/`https` client request here, synchronously and in the async context
 * of the code that made it. The SDKs (`@alicloud/tea-typescript` → `httpx`) take neither an
 * `AbortSignal` nor an agent of ours, so this is how their requests are reached and cancelled.
 */
const REQUEST_START = 'http.client.request.start'

/**
 * The trackers that remember each socket. Keep-alive sockets are shared by every client of the
 * process (the SDK's agent is process-wide), so one `'close'` listener per socket tells them all:
 * one per tracker would pile up past Node's listener warning with a dozen clients.
 */
const socketWatchers = new WeakMap<Socket, Set<(socket: Socket) => void>>()

function watchSocket(socket: Socket, onClose: (socket: Socket) => void): void {
  let watchers = socketWatchers.get(socket)
  if (watchers === undefined) {
    const set = new Set<(socket: Socket) => void>()
    watchers = set
    socketWatchers.set(socket, set)
    socket.once('close', () => {
      socketWatchers.delete(socket)
      for (const watcher of set) watcher(socket)
    })
  }
  watchers.add(onClose)
}

function unwatchSocket(socket: Socket, onClose: (socket: Socket) => void): void {
  socketWatchers.get(socket)?.delete(onClose)
}

/** The {@link RequestScope} of the code running now, if it runs inside {@link RequestTracker.run}. */
const currentScope = new AsyncLocalStorage<RequestScope>()
let subscribers = 0

function onRequestStart(message: unknown): void {
  const scope = currentScope.getStore()
  const request = (message as { request?: ClientRequest } | undefined)?.request
  if (scope !== undefined && request !== undefined) scope.adopt(request)
}

/** The HTTP requests one SDK call made; destroying it ends them and closes their sockets. */
class RequestScope {
  readonly #requests = new Set<ClientRequest>()
  readonly #tracker: RequestTracker
  readonly facts: ResponseFacts
  #destroyed = false

  constructor(tracker: RequestTracker, facts: ResponseFacts = {}) {
    this.#tracker = tracker
    this.facts = facts
  }

  adopt(request: ClientRequest): void {
    if (this.#destroyed) {
      // Aborted while the SDK was still signing: the request must not go out at all.
      request.destroy()
      return
    }
    this.#requests.add(request)
    request.once('close', () => this.#requests.delete(request))
    // Bytes the (possibly reused keep-alive) socket had read before this request's response.
    let base = 0
    const onSocket = (socket: Socket): void => {
      base = socket.bytesRead
    }
    if (request.socket) onSocket(request.socket)
    else request.once('socket', onSocket)
    request.once('response', (response: IncomingMessage) => this.#observe(request, response, base))
    this.#tracker.watch(request)
  }

  /**
   * Reads the retry hint off the headers (the SDK's errors do not carry them) and caps the body.
   * The bytes are counted on the socket, which the HTTP parser already reads in flowing mode: a
   * listener on the response itself would start it flowing before the SDK reads it.
   */
  #observe(request: ClientRequest, response: IncomingMessage, base: number): void {
    const retryAfterMs = retryAfterOf({ data: { headers: response.headers } })
    if (retryAfterMs !== undefined) this.facts.retryAfterMs = retryAfterMs
    const tooLarge = (): void => {
      this.facts.oversize = true
      request.destroy()
    }
    if (Number(response.headers['content-length']) > MAX_RESPONSE_BYTES) {
      tooLarge()
      return
    }
    const socket = request.socket
    if (!socket) return
    const onData = (): void => {
      if (socket.bytesRead - base > MAX_RESPONSE_BYTES) {
        stop()
        tooLarge()
      }
    }
    const stop = (): void => {
      socket.removeListener('data', onData)
    }
    // First in line: a chunk past the cap is refused before the HTTP parser hands it on (the last
    // chunk could otherwise complete the response before the request is destroyed).
    socket.prependListener('data', onData)
    response.once('end', stop)
    request.once('close', stop)
  }

  destroy(): void {
    this.#destroyed = true
    // `destroy()` closes the socket (never returned to the keep-alive pool) and makes the SDK's
    // promise reject, which also clears httpx's read timer.
    for (const request of this.#requests) request.destroy()
    this.#requests.clear()
  }
}

/**
 * Makes the HTTP requests of SDK calls cancellable. Each {@link RequestTracker.run} records the
 * requests its call makes; when the call's signal fires they are destroyed, so an abandoned or
 * timed-out request releases its socket at once instead of at the SDK's read timeout.
 * {@link RequestTracker.close} also destroys the idle keep-alive sockets these calls left in the
 * SDK's process-wide agent (sockets that another request is using are left alone).
 */
export class RequestTracker {
  readonly #scopes = new Set<RequestScope>()
  /** Sockets our requests used, with the agent that pools them. */
  readonly #sockets = new Map<Socket, Agent | undefined>()
  readonly #forget = (socket: Socket): void => {
    this.#sockets.delete(socket)
  }
  #closed = false

  constructor() {
    if (subscribers++ === 0) subscribe(REQUEST_START, onRequestStart)
  }

  /**
   * Runs one SDK call; `signal` firing destroys the HTTP requests it made (or will make). What its
   * responses showed is written to `facts`.
   */
  async run<T>(signal: AbortSignal, call: () => Promise<T>, facts?: ResponseFacts): Promise<T> {
    const scope = new RequestScope(this, facts)
    if (signal.aborted || this.#closed) scope.destroy()
    const onAbort = (): void => scope.destroy()
    signal.addEventListener('abort', onAbort, { once: true })
    this.#scopes.add(scope)
    try {
      return await currentScope.run(scope, call)
    } finally {
      signal.removeEventListener('abort', onAbort)
      this.#scopes.delete(scope)
    }
  }

  /** Remembers the socket a request of ours gets, until the socket closes. */
  watch(request: ClientRequest): void {
    const remember = (socket: Socket): void => {
      if (this.#sockets.has(socket)) return
      const agent = (request as ClientRequest & { agent?: Agent }).agent
      this.#sockets.set(socket, agent)
      watchSocket(socket, this.#forget)
    }
    // The channel may publish after the socket was assigned.
    if (request.socket) remember(request.socket)
    else request.once('socket', remember)
  }

  /** Destroys requests in flight and our idle keep-alive sockets; later runs are cancelled. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const scope of this.#scopes) scope.destroy()
    for (const [socket, agent] of this.#sockets) {
      unwatchSocket(socket, this.#forget)
      if (agent === undefined || isIdleIn(agent, socket)) socket.destroy()
    }
    this.#sockets.clear()
    if (--subscribers === 0) unsubscribe(REQUEST_START, onRequestStart)
  }
}

function isIdleIn(agent: Agent, socket: Socket): boolean {
  for (const free of Object.values(agent.freeSockets)) {
    if (free?.includes(socket)) return true
  }
  return false
}
