import type { SecretCacheClientOptions } from '../src/options.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import type { FetchSecretRequest, SecretFetcher, SecretRecord } from '../src/types.js'

/** A record as a fetcher returns it. */
export function record(
  secretName: string,
  versionId: string,
  secretValue: string,
  extra: Partial<SecretRecord> = {},
): SecretRecord {
  return { secretName, versionId, secretValue, versionStages: ['ACSCurrent'], ...extra }
}

/** An error shaped like the KMS SDK's (code + optional fields); its message holds no value. */
export function kmsError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`kms: ${code}`), { code, ...extra })
}

/** One fetcher call the test settles by hand. */
export interface PendingCall {
  request: FetchSecretRequest
  resolve(record: SecretRecord): void
  reject(err: unknown): void
  /** Whether the client aborted this call's signal. */
  aborted(): boolean
}

/**
 * A fetcher whose calls stay pending until the test settles them; it honours `request.signal`
 * like the real KMS fetcher must.
 */
export class ManualFetcher implements SecretFetcher {
  readonly calls: PendingCall[] = []
  closeCount = 0

  fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    return new Promise<SecretRecord>((resolve, reject) => {
      const { signal } = request
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      this.calls.push({ request, resolve, reject, aborted: () => signal?.aborted === true })
    })
  }

  close(): void {
    this.closeCount++
  }

  /** The most recent call, failing the test if there is none. */
  last(): PendingCall {
    const call = this.calls.at(-1)
    if (call === undefined) throw new Error('no fetcher call yet')
    return call
  }
}

/**
 * A fetcher answering from a script: each call runs `respond(request, callIndex)`; counts calls.
 */
export class ScriptFetcher implements SecretFetcher {
  readonly requests: FetchSecretRequest[] = []
  closeCount = 0

  constructor(
    private readonly respond: (
      request: FetchSecretRequest,
      call: number,
    ) => SecretRecord | Promise<SecretRecord>,
  ) {}

  get count(): number {
    return this.requests.length
  }

  async fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    this.requests.push(request)
    return this.respond(request, this.requests.length)
  }

  close(): void {
    this.closeCount++
  }
}

/** Lets pending promise chains run (fake timers do not advance on their own). */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}

/** A client with a test fetcher and the given options; remember to close it. */
export function clientWith(
  fetcher: SecretFetcher,
  options: Omit<SecretCacheClientOptions, 'fetcher'> = {},
): SecretCacheClient {
  return new SecretCacheClient({ ...options, fetcher })
}

/** Records every event of a client, in order. */
export function recordEvents(client: SecretCacheClient): { name: string; payload: unknown }[] {
  const seen: { name: string; payload: unknown }[] = []
  client.on('refresh', (payload) => seen.push({ name: 'refresh', payload }))
  client.on('refreshError', (payload) => seen.push({ name: 'refreshError', payload }))
  client.on('stale', (payload) => seen.push({ name: 'stale', payload }))
  client.on('evict', (payload) => seen.push({ name: 'evict', payload }))
  return seen
}
