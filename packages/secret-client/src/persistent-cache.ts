import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { SecretClientError } from './errors.js'
import type { SecretInfo } from './secret-info.js'
import type { SecretRecord } from './types.js'

/**
 * Where the 256-bit key of the persistent cache comes from — never from the cache directory:
 * an environment variable or a file holding it as base64 or hex text, the raw 32 bytes, or a
 * function returning either (a KMS data key, a vault lookup).
 */
export type PersistentCacheKey =
  | { env: string }
  | { file: string }
  | Uint8Array
  | (() => Uint8Array | string | Promise<Uint8Array | string>)

/**
 * Options of the opt-in encrypted persistent cache (`persistentCache` of
 * `SecretCacheClientOptions`): the last good value of every secret read, on disk, for a cold start
 * while KMS is down.
 */
export interface PersistentCacheOptions {
  /**
   * Directory of the encrypted files, one per secret and stage (created with mode 0700). Not
   * shared with anything else: files in it that do not authenticate are ignored, never deleted.
   */
  directory: string
  /** The AES-256-GCM key (see {@link PersistentCacheKey}); it must not live in `directory`. */
  key: PersistentCacheKey
}

/** A value read back from disk: the secret and when its entry expired when it was saved. */
export interface PersistedValue {
  record: SecretRecord
  /** Epoch ms the saved entry expired (or was to expire); staleness is measured from it. */
  expiresAt: number
}

/** Why a file was not used, as reported by the `persistentCacheError` event. */
export type PersistentCacheProblem =
  | 'corrupt'
  | 'unauthenticated'
  | 'read-failed'
  | 'write-failed'
  | 'key-unavailable'

const FORMAT = 1
const KEY_BYTES = 32
const NONCE_BYTES = 12

function invalid(message: string): SecretClientError {
  return new SecretClientError('INVALID_CONFIG', `Invalid option persistentCache: ${message}`)
}

/** 32 bytes from raw bytes or from base64 / hex text (surrounding whitespace ignored). */
function keyBytes(value: unknown): Buffer | undefined {
  if (value instanceof Uint8Array)
    return value.length === KEY_BYTES ? Buffer.from(value) : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex')
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, 'base64')
  return undefined
}

const KEY_FORMAT = '32 bytes, or their base64 (44 characters) or hex (64 characters) text'

/**
 * The encrypted files of the persistent cache. Each file holds one secret version sealed with
 * AES-256-GCM under a fresh random nonce, with the secret name, the stage, the version id and the
 * times bound as additional authenticated data: a file edited, truncated, or copied to another
 * secret's name fails authentication and is ignored. Files are written 0600 to a temporary name
 * and renamed over the old one, so a reader never sees half a file.
 */
export class PersistentCache {
  readonly #directory: string
  readonly #key: () => Promise<Buffer>
  readonly #pending = new Set<Promise<unknown>>()
  #directoryReady: Promise<unknown> | undefined

  /** @throws {@link SecretClientError} `INVALID_CONFIG` for a bad directory or key source. */
  constructor(options: PersistentCacheOptions, env: Record<string, string | undefined>) {
    if (options === null || typeof options !== 'object') throw invalid('expected an object')
    for (const key of Object.keys(options)) {
      if (key !== 'directory' && key !== 'key') throw invalid(`unknown key ${JSON.stringify(key)}`)
    }
    const { directory, key } = options
    if (typeof directory !== 'string' || directory.trim() === '') {
      throw invalid('directory must be a path')
    }
    this.#directory = resolve(directory)
    this.#key = this.#keySource(key, env)
  }

  #keySource(key: unknown, env: Record<string, string | undefined>): () => Promise<Buffer> {
    if (typeof key === 'function') {
      let loaded: Promise<Buffer> | undefined
      return () => {
        loaded ??= Promise.resolve()
          .then(() => (key as () => unknown)())
          .then((value) => {
            const bytes = keyBytes(value)
            if (bytes === undefined) throw invalid(`the key function must return ${KEY_FORMAT}`)
            return bytes
          })
        // A provider that failed is asked again next time.
        loaded.catch(() => {
          loaded = undefined
        })
        return loaded
      }
    }
    let bytes: Buffer | undefined
    if (key instanceof Uint8Array) {
      bytes = keyBytes(key)
      if (bytes === undefined) throw invalid(`key must be ${KEY_FORMAT}`)
    } else if (key !== null && typeof key === 'object' && 'env' in key) {
      const name = (key as { env: unknown }).env
      if (typeof name !== 'string' || name === '') throw invalid('key.env must name a variable')
      bytes = keyBytes(env[name])
      if (bytes === undefined) {
        throw invalid(`the environment variable ${name} must hold the key as ${KEY_FORMAT}`)
      }
    } else if (key !== null && typeof key === 'object' && 'file' in key) {
      const file = (key as { file: unknown }).file
      if (typeof file !== 'string' || file === '') throw invalid('key.file must be a path')
      const within = relative(this.#directory, resolve(file))
      if (within === '' || (!within.startsWith('..') && !isAbsolute(within))) {
        // Alibaba's file cache keeps its key beside the data: whoever reads one reads both.
        throw invalid('key.file must not be inside the cache directory')
      }
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code
        throw invalid(`key.file cannot be read${typeof code === 'string' ? ` (${code})` : ''}`)
      }
      bytes = keyBytes(text)
      if (bytes === undefined) throw invalid(`key.file must hold ${KEY_FORMAT}`)
    } else {
      throw invalid('key must be { env }, { file }, 32 bytes or a function returning the key')
    }
    const ready = Promise.resolve(bytes)
    return () => ready
  }

  #fileOf(secretName: string, stage: string): string {
    const id = createHash('sha256').update(`${secretName}\0${stage}`).digest('hex')
    return join(this.#directory, `${id}.secret`)
  }

  /**
   * Seals and writes `info` (atomically). Rejects with the problem (`key-unavailable`,
   * `write-failed`); the caller reports it, the cache goes on.
   */
  save(info: SecretInfo, stage: string, expiresAt: number): Promise<void> {
    const work = this.#save(info, stage, expiresAt)
    this.#pending.add(work)
    const done = (): void => {
      this.#pending.delete(work)
    }
    work.then(done, done)
    return work
  }

  async #save(info: SecretInfo, stage: string, expiresAt: number): Promise<void> {
    const key = await this.#key().catch(() => {
      throw problem('key-unavailable')
    })
    const header = { v: FORMAT, versionId: info.versionId, expiresAt, nonce: '' }
    const nonce = randomBytes(NONCE_BYTES)
    header.nonce = nonce.toString('base64')
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    cipher.setAAD(aad(info.secretName, stage, header))
    const plain = Buffer.from(JSON.stringify(recordOf(info)), 'utf8')
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()])
    plain.fill(0)
    const body = JSON.stringify({
      ...header,
      tag: cipher.getAuthTag().toString('base64'),
      data: sealed.toString('base64'),
    })
    const file = this.#fileOf(info.secretName, stage)
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      this.#directoryReady ??= mkdir(this.#directory, { recursive: true, mode: 0o700 })
      await this.#directoryReady
      // 0600 from the first byte ('wx': never through an existing file or link).
      const handle = await open(temporary, 'wx', 0o600)
      try {
        await handle.writeFile(body)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temporary, file)
    } catch {
      this.#directoryReady = undefined
      await rm(temporary, { force: true }).catch(() => undefined)
      throw problem('write-failed')
    }
  }

  /**
   * Reads back the value saved for a secret and stage: `undefined` when there is none; rejects
   * with the problem when the file is corrupt, does not authenticate (tampered, another key,
   * another secret's file) or cannot be read.
   */
  async load(secretName: string, stage: string): Promise<PersistedValue | undefined> {
    let text: string
    try {
      text = await readFile(this.#fileOf(secretName, stage), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw problem('read-failed')
    }
    const key = await this.#key().catch(() => {
      throw problem('key-unavailable')
    })
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(text) as Record<string, unknown>
    } catch {
      throw problem('corrupt')
    }
    const { v, versionId, expiresAt, nonce, tag, data } = parsed
    if (
      v !== FORMAT ||
      typeof versionId !== 'string' ||
      typeof expiresAt !== 'number' ||
      !Number.isFinite(expiresAt) ||
      typeof nonce !== 'string' ||
      typeof tag !== 'string' ||
      typeof data !== 'string'
    ) {
      throw problem('corrupt')
    }
    let plain: Buffer
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64'))
      decipher.setAAD(aad(secretName, stage, { v, versionId, expiresAt, nonce }))
      decipher.setAuthTag(Buffer.from(tag, 'base64'))
      plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()])
    } catch {
      throw problem('unauthenticated')
    }
    try {
      const record = JSON.parse(plain.toString('utf8')) as SecretRecord
      // Authenticated, so written by us: still, only what the AAD vouches for is trusted as is.
      if (record.secretName !== secretName || record.versionId !== versionId) throw new Error()
      return { record, expiresAt }
    } catch {
      throw problem('corrupt')
    } finally {
      plain.fill(0)
    }
  }

  /** Resolves once the writes started so far have finished (either way). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending])
  }
}

/** A problem of the persistent cache, as the `persistentCacheError` event names it. */
export class PersistentCacheFailure extends Error {
  override name = 'PersistentCacheFailure'
  constructor(readonly problem: PersistentCacheProblem) {
    super(`persistent cache: ${problem}`)
  }
}

function problem(kind: PersistentCacheProblem): PersistentCacheFailure {
  return new PersistentCacheFailure(kind)
}

/** The additional authenticated data: the file's header, bound to the secret it belongs to. */
function aad(
  secretName: string,
  stage: string,
  header: { v: number; versionId: string; expiresAt: number; nonce: string },
): Buffer {
  return Buffer.from(
    JSON.stringify([
      'secret-client-cache',
      header.v,
      secretName,
      stage,
      header.versionId,
      header.expiresAt,
      header.nonce,
    ]),
    'utf8',
  )
}

function recordOf(info: SecretInfo): SecretRecord {
  return {
    secretName: info.secretName,
    versionId: info.versionId,
    secretValue: info.secretValue,
    secretDataType: info.secretDataType,
    versionStages: [...info.versionStages],
    secretType: info.secretType,
    createTime: info.createTime,
    automaticRotation: info.automaticRotation,
    rotationInterval: info.rotationInterval,
    nextRotationDate: info.nextRotationDate,
    lastRotationDate: info.lastRotationDate,
    extendedConfig: info.extendedConfig as Record<string, unknown>,
  }
}
