import { Socket, type SocketConstructorOpts } from 'node:net'

/** Where a {@link DeferredSocket} connects once its target is known. */
export type SocketTarget = { port: number; host?: string | undefined } | { path: string }

/**
 * Resolves the target of a {@link DeferredSocket}, or `undefined` to use the arguments its
 * `connect()` was called with. `signal` fires when the socket is destroyed or abandoned first. A
 * resolver that knows the target at once (credentials already cached) returns it synchronously,
 * and the socket connects in the same tick, exactly as a plain `net.Socket` would.
 */
export type SocketTargetResolver = (
  signal: AbortSignal,
) => SocketTarget | undefined | Promise<SocketTarget | undefined>

/** Options of {@link DeferredSocket}: `net.Socket`'s, plus the controller of the wait. */
export interface DeferredSocketOptions extends SocketConstructorOpts {
  /**
   * `setNoDelay(true)` once connected (a `net.Socket` constructor option, applied when the
   * connection is made, as drivers do right after opening their socket).
   * @default false
   */
  noDelay?: boolean
  /**
   * `setKeepAlive(true, keepAliveInitialDelay)` once connected (a `net.Socket` constructor option).
   * @default false
   */
  keepAlive?: boolean
  /**
   * Keep-alive initial delay in milliseconds.
   * @default 0
   */
  keepAliveInitialDelay?: number
  /**
   * The controller whose signal the resolver gets, and which destroying the socket while it
   * waits aborts. Give the sockets of one connection's retries one controller (its signal is the
   * rotation's), so a connect costs one `AbortController`, not one per socket plus a link.
   * @default a new controller per socket
   */
  controller?: AbortController
}

/**
 * A `net.Socket` whose first `connect()` waits for an asynchronous step (reading a secret) before
 * it really connects — or connects at once when the step is already done (the resolver returns
 * its target synchronously). While it waits it looks exactly like a socket whose connect is in progress
 * (`connecting` and `pending` are true, writes and `end()` are buffered), so a driver handed it
 * through its `stream` option keeps its own sequencing, events and timeouts. Drivers send the
 * login only when the socket reports `'connect'`, so credentials written into the driver's config
 * by the resolver are the ones the login uses.
 *
 * Destroying it while it waits (a driver's connect timeout, `destroy()`) aborts the resolver's
 * signal; a resolver that rejects destroys the socket with its error, which the driver reports as
 * a connection error. Later `connect()` calls are plain `net.Socket` ones.
 */
export class DeferredSocket extends Socket {
  #resolver: SocketTargetResolver | undefined
  readonly #controller: AbortController | undefined
  #waiting: AbortController | undefined
  /** net.Socket's own connect was called: the socket has (or is getting) a handle. */
  #connected = false

  /**
   * @param resolver - the step to wait for; it resolves the real target, or `undefined` for the
   *   arguments `connect()` was called with.
   * @param options - `net.Socket` options, and the controller of the wait.
   */
  constructor(resolver: SocketTargetResolver, options?: DeferredSocketOptions) {
    // net.Socket reads the options it knows and ignores `controller`.
    super(options)
    this.#resolver = resolver
    this.#controller = options?.controller
  }

  /** Whether `connect()` was called and the target is not known yet. */
  get waiting(): boolean {
    return this.#waiting !== undefined
  }

  // biome-ignore lint/suspicious/noExplicitAny: net.Socket's connect overloads
  override connect(...args: any[]): this {
    const resolver = this.#resolver
    if (resolver === undefined) {
      this.#connected = true
      return super.connect(...(args as [number, string]))
    }
    this.#resolver = undefined
    const waiting = this.#controller ?? new AbortController()
    let resolved: SocketTarget | undefined | Promise<SocketTarget | undefined>
    try {
      resolved = resolver(waiting.signal)
    } catch (error) {
      resolved = Promise.reject(error)
    }
    if (!(resolved instanceof Promise)) {
      // Known at once (cached credentials): a plain connect, in this very tick.
      this.#connectTo(resolved, args)
      return this
    }
    this.#waiting = waiting
    // What net.Socket sets at once: writes and end() wait for 'connect' from here on.
    ;(this as { connecting: boolean }).connecting = true
    // Only this socket's own end (destroyed or abandoned while waiting) drops the outcome: an abort
    // of a shared controller by its owner reaches the socket through the resolver's rejection.
    resolved.then(
      (target) => {
        if (this.#waiting === waiting) this.#waiting = undefined
        if (this.destroyed) return
        this.#connectTo(target, args)
      },
      (error: unknown) => {
        if (this.#waiting === waiting) this.#waiting = undefined
        if (this.destroyed) return
        this.destroy(error instanceof Error ? error : new Error(String(error)))
      },
    )
    return this
  }

  /** Connects for real: to `target`, or where `connect(...args)` asked when it is `undefined`. */
  // biome-ignore lint/suspicious/noExplicitAny: net.Socket's connect overloads
  #connectTo(target: SocketTarget | undefined, args: any[]): void {
    this.#connected = true
    if (target === undefined) {
      super.connect(...(args as [number, string]))
      return
    }
    // connect()'s listener, if it was given one, is the last argument.
    const listener = args.findLast((arg) => typeof arg === 'function') as (() => void) | undefined
    if ('path' in target) super.connect(target.path, listener)
    else super.connect(target.port, target.host ?? 'localhost', listener)
  }

  /**
   * `end()` while waiting for the target is carried out once connected (net.Socket would lose it:
   * connecting for real resets the stream's ending state), after the writes made before it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: net.Socket's end overloads
  override end(...args: any[]): this {
    if (this.#waiting === undefined) return super.end(...(args as []))
    this.once('connect', () => super.end(...(args as [])))
    return this
  }

  /**
   * Gives up a connect that is still waiting for its target: the socket is destroyed without an
   * error (it closes as if the peer had never been reached). Does nothing once connecting for real.
   */
  abandon(): void {
    if (this.#waiting === undefined) return
    this.#waiting.abort()
    this.#waiting = undefined
    this.destroy()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.abort()
    // Connected for real (or never asked to connect): net.Socket's own teardown.
    if (this.#connected || this.#resolver !== undefined) {
      super._destroy(error, callback)
      return
    }
    // No handle yet: net.Socket would emit 'close' in the same tick as 'error'. A socket whose
    // connect is in progress emits it when its handle has closed, a turn of the event loop later,
    // and drivers rely on that order (pg settles a failed connect before it reports 'end').
    ;(this as { connecting: boolean }).connecting = false
    this.setTimeout(0)
    callback(error)
    setImmediate(() => this.emit('close', error !== null && error !== undefined))
  }
}
