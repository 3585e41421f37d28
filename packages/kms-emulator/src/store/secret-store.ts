import { inDeleteWindow, resourceExists, resourceNotFound } from '../internal/api-errors.js'
import type { SecretRecord } from './secret-record.js'
import { writeStateFile } from './state-file.js'

/**
 * The secrets of one region. Deletion windows are enforced lazily: a secret whose planned delete
 * time has passed is purged the next time anything looks at it (and on every scheduler tick).
 */
export class SecretStore {
  private readonly secrets = new Map<string, SecretRecord>()
  private readonly reserved = new Set<string>()
  private closed = false

  constructor(
    private readonly now: () => number,
    private readonly stateFile?: string,
  ) {}

  /** Loads records (from a state file or initial options) without persisting. */
  load(records: SecretRecord[]): void {
    for (const r of records) this.secrets.set(r.name, r)
  }

  has(name: string): boolean {
    return this.peek(name) !== undefined
  }

  /** The record, including one in its deletion window; undefined when absent or purged. */
  peek(name: string): SecretRecord | undefined {
    const record = this.secrets.get(name)
    if (!record) return undefined
    if (record.plannedDeleteTime !== undefined && record.plannedDeleteTime <= this.now()) {
      this.secrets.delete(name)
      this.persist()
      return undefined
    }
    return record
  }

  /** The record or `Forbidden.ResourceNotFound`; a secret in its deletion window is returned. */
  getAny(name: string): SecretRecord {
    const record = this.peek(name)
    if (!record) throw resourceNotFound(`secret "${name}"`)
    return record
  }

  /** The record, rejecting one in its deletion window with `Rejected.ResourceInDeleteWindow`. */
  getActive(name: string): SecretRecord {
    const record = this.getAny(name)
    if (record.plannedDeleteTime !== undefined) throw inDeleteWindow(name)
    return record
  }

  add(record: SecretRecord): void {
    this.secrets.set(record.name, record)
    this.persist()
  }

  remove(name: string): void {
    this.secrets.delete(name)
    this.persist()
  }

  /** All live records (purging expired ones), sorted by creation time then name. */
  list(): SecretRecord[] {
    for (const name of [...this.secrets.keys()]) this.peek(name)
    return [...this.secrets.values()].sort(
      (a, b) => a.createTime - b.createTime || a.name.localeCompare(b.name),
    )
  }

  /**
   * Reserves a name for a secret being created, so a concurrent create of the same name fails
   * before it touches a database. `Rejected.ResourceExist` when the name is taken or reserved.
   * Returns the release function; call it once the record was added or the create failed.
   */
  reserve(name: string): () => void {
    if (this.reserved.has(name) || this.has(name)) throw resourceExists(`secret "${name}"`)
    this.reserved.add(name)
    return () => {
      this.reserved.delete(name)
    }
  }

  /** Stops writing the state file (after close(), nothing may rewrite it). */
  close(): void {
    this.closed = true
  }

  /** Writes the state file, when one is configured. Call after every mutation. */
  persist(): void {
    if (this.stateFile && !this.closed) writeStateFile(this.stateFile, [...this.secrets.values()])
  }
}
