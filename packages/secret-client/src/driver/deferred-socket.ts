import { Socket, type SocketConstructorOpts } from 'node:net'

/** Where a {@link DeferredSocket} connects once its target is known. */
export type SocketTarget = { port: number; host?: string | undefined } | { path: string }

/**
 * Resolves the target of a {@link DeferredSocket}, or `undefined` to use the arguments its
 * `connect()` was called with. `signal` fires when the socket is destroyed or abandoned first.
 */
export type SocketTargetResolver = (signal: AbortSignal) => Promise<SocketTarget | undefined>

/**
 * A `net.Socket` whose first `connect()` waits for an asynchronous step (reading a secret) before
 * it really connects: until then it looks exactly like a socket whose connect is in progress
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
  #waiting: AbortController | undefined

  /**
   * @param resolver - the step to wait for; it resolves the real target, or `undefined` for the
   *   arguments `connect()` was called with.
   * @param options - `net.Socket` options.
   */
  constructor(resolver: SocketTargetResolver, options?: SocketConstructorOpts) {
    super(options)
    this.#resolver = resolver
  }

  /** Whether `connect()` was called and the target is not known yet. */
  get waiting(): boolean {
    return this.#waiting !== undefined
  }

  // biome-ignore lint/suspicious/noExplicitAny: net.Socket's connect overloads
  override connect(...args: any[]): this {
    const resolver = this.#resolver
    if (resolver === undefined) return super.connect(...(args as [number, string]))
    this.#resolver = undefined
    const waiting = new AbortController()
    this.#waiting = waiting
    // What net.Socket sets at once: writes and end() wait for 'connect' from here on.
    ;(this as { connecting: boolean }).connecting = true
    let resolved: Promise<SocketTarget | undefined>
    try {
      resolved = resolver(waiting.signal)
    } catch (error) {
      resolved = Promise.reject(error)
    }
    resolved.then(
      (target) => {
        if (this.#waiting === waiting) this.#waiting = undefined
        if (this.destroyed || waiting.signal.aborted) return
        if (target === undefined) {
          super.connect(...(args as [number, string]))
          return
        }
        // connect()'s listener, if it was given one, is the last argument.
        const listener = args.findLast((arg) => typeof arg === 'function') as
          | (() => void)
          | undefined
        if ('path' in target) super.connect(target.path, listener)
        else super.connect(target.port, target.host ?? 'localhost', listener)
      },
      (error: unknown) => {
        if (this.#waiting === waiting) this.#waiting = undefined
        if (this.destroyed || waiting.signal.aborted) return
        this.destroy(error instanceof Error ? error : new Error(String(error)))
      },
    )
    return this
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
    if (waiting === undefined) {
      super._destroy(error, callback)
      return
    }
    waiting.abort()
    this.#waiting = undefined
    // No handle yet: net.Socket would emit 'close' in the same tick as 'error'. A socket whose
    // connect is in progress emits it when its handle has closed, a turn of the event loop later,
    // and drivers rely on that order (pg settles a failed connect before it reports 'end').
    ;(this as { connecting: boolean }).connecting = false
    this.setTimeout(0)
    callback(error)
    setImmediate(() => this.emit('close', error !== null && error !== undefined))
  }
}
