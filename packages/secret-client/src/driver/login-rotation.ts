import type { DatabaseCredentials } from '../types.js'
import type { DriverSecret } from './resolve-driver-options.js'
import { type DatabaseSecretSource, peekCredentials, RotationAttempt } from './rotation-attempt.js'

/** Options of {@link LoginRotation}. */
export interface LoginRotationOptions {
  /** The driver's resolved secret options. */
  secret: DriverSecret
  /**
   * The credential source, resolved at the first login (a pool passes its generations' source).
   * @default `secret.source`
   */
  source?: () => DatabaseSecretSource
  /**
   * Ends the rotation (the connection is destroyed, the pool ended). A function is called only when
   * a rotation attempt is built (a cold read or a rejected login), so a warm login allocates no
   * signal.
   */
  signal: AbortSignal | (() => AbortSignal)
}

/**
 * The credentials of one login through a rotation, the way a driver's connect hook wants them:
 * {@link LoginRotation.first} answers synchronously when the credentials are cached (the login
 * starts in the caller's tick) and builds no {@link RotationAttempt} until the database rejects a
 * login, so a warm connect costs one cache lookup; after a rejection,
 * {@link LoginRotation.canRetry}, {@link LoginRotation.next} and {@link LoginRotation.finish} are
 * the attempt's.
 */
export class LoginRotation {
  readonly #options: LoginRotationOptions
  #source: DatabaseSecretSource | undefined
  #first: { credentials: DatabaseCredentials; startedAt: number } | undefined
  #attempt: RotationAttempt | undefined

  constructor(options: LoginRotationOptions) {
    this.#options = options
  }

  /**
   * Credentials for the first login: the cached ones at once, or a promise of a read.
   * @throws whatever resolving the source throws (a default client without KMS settings), and
   *   `CLOSED` for a closed client; the promise rejects with the read's error.
   */
  first(): DatabaseCredentials | Promise<DatabaseCredentials> {
    const { secret } = this.#options
    const source = (this.#options.source ?? secret.source)()
    this.#source = source
    const cached = peekCredentials(source, secret.secretName, secret.versionStage)
    if (cached === undefined) return this.#rotation().first()
    this.#first = { credentials: cached, startedAt: Date.now() }
    return cached
  }

  /**
   * {@link LoginRotation.first}'s credentials through `apply` (writing them where the driver reads
   * them, returning where to connect): synchronously when they are cached.
   * @throws as {@link LoginRotation.first}; the promise rejects with the read's error or `apply`'s.
   */
  firstThen<T>(apply: (credentials: DatabaseCredentials) => T): T | Promise<T> {
    const credentials = this.first()
    return credentials instanceof Promise ? credentials.then(apply) : apply(credentials)
  }

  /** {@link LoginRotation.next}'s credentials after the rejection `error`, through `apply`. */
  async nextThen<T>(error: unknown, apply: (credentials: DatabaseCredentials) => T): Promise<T> {
    return apply(await this.next(error))
  }

  /** Version of the credentials of the login in progress (or the last one). */
  get versionId(): string | undefined {
    return this.#attempt?.credentials?.versionId ?? this.#first?.credentials.versionId
  }

  /** Whether the budget allows another login after a rejection (see `RotationAttempt`). */
  canRetry(): boolean {
    return this.#rotation().canRetry()
  }

  /** The credentials for the next login after `error` rejected the current ones. */
  next(error: unknown): Promise<DatabaseCredentials> {
    return this.#rotation().next(error)
  }

  /** What the caller gets when no login follows the rejection `error` (see `RotationAttempt`). */
  finish(error: unknown): unknown {
    return this.#rotation().finish(error)
  }

  /** Releases the attempt's timer, if one was built. */
  close(): void {
    this.#attempt?.close()
  }

  #rotation(): RotationAttempt {
    if (this.#attempt !== undefined) return this.#attempt
    const { secret } = this.#options
    const signal =
      typeof this.#options.signal === 'function' ? this.#options.signal() : this.#options.signal
    const source = this.#source ?? (this.#options.source ?? secret.source)()
    this.#source = source
    this.#attempt = new RotationAttempt({
      source,
      driver: secret.driver,
      secretName: secret.secretName,
      versionStage: secret.versionStage,
      retry: secret.rotationRetry,
      signal,
      ...(this.#first === undefined ? {} : { first: this.#first }),
    })
    return this.#attempt
  }
}
