/** A listener of one event. */
export type Listener<P> = (payload: P) => void

/**
 * A minimal typed event emitter. Unlike `node:events` it has no special `error` event, and a
 * throwing listener is reported to `onListenerError` instead of breaking the emitting code path (a
 * cache refresh must not fail because a metrics listener threw).
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()
  readonly #onListenerError: (err: unknown, event: keyof Events) => void

  constructor(onListenerError: (err: unknown, event: keyof Events) => void) {
    this.#onListenerError = onListenerError
  }

  /** Adds `listener` (adding the same function twice keeps one registration). */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    let set = this.#listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener as Listener<never>)
  }

  /** Removes `listener`. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const set = this.#listeners.get(event)
    if (set === undefined) return
    set.delete(listener as Listener<never>)
    if (set.size === 0) this.#listeners.delete(event)
  }

  /** Whether `event` has listeners; lets callers skip building a payload nobody reads. */
  has(event: keyof Events): boolean {
    return this.#listeners.has(event)
  }

  /** Calls every listener of `event` with `payload`, in registration order. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event)
    if (set === undefined) return
    // Copy: a listener may remove itself (or others) while we iterate.
    for (const listener of [...set]) {
      try {
        ;(listener as Listener<Events[K]>)(payload)
      } catch (err) {
        this.#onListenerError(err, event)
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear()
  }
}
