import type { AccountPrivilege, DatabaseEngine, DatabaseServerConfig } from '../../src/index.js'

/**
 * An in-memory {@link DatabaseEngine}: a map of account → password and grants, recording every
 * call, so rotation logic can be tested without a database server.
 */
export class FakeDatabaseEngine implements DatabaseEngine {
  readonly kind = 'mariadb' as const
  readonly accounts = new Map<string, { password: string; grants: string[] }>()
  readonly calls: string[] = []
  closed = false
  /** When set, every mutating call rejects with this error. */
  failWith: Error | undefined
  private readonly gates = new Map<string, { started: () => void; released: Promise<void> }>()

  /**
   * Makes the next call of `method` wait, after it was recorded in {@link calls}, until
   * `release()`; `started` resolves once that call is waiting. Lets a test act while a database
   * call runs, without timers.
   */
  gate(method: 'accountExists' | 'setPassword' | 'cloneAccount' | 'createAccount'): {
    started: Promise<void>
    release: () => void
  } {
    let started!: () => void
    let release!: () => void
    const startedPromise = new Promise<void>((resolve) => {
      started = resolve
    })
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    this.gates.set(method, { started, released })
    return { started: startedPromise, release }
  }

  private async pass(method: string): Promise<void> {
    const gate = this.gates.get(method)
    if (!gate) return
    this.gates.delete(method)
    gate.started()
    await gate.released
  }

  addAccount(name: string, password: string, grants: string[] = ['ALL ON app.*']): void {
    this.accounts.set(name, { password, grants })
  }

  async accountExists(account: string): Promise<boolean> {
    this.calls.push(`accountExists ${account}`)
    await this.pass('accountExists')
    return this.accounts.has(account)
  }

  async setPassword(account: string, password: string): Promise<void> {
    this.calls.push(`setPassword ${account}`)
    await this.pass('setPassword')
    if (this.failWith) throw this.failWith
    const existing = this.accounts.get(account)
    if (!existing) throw new Error(`no account ${account}`)
    existing.password = password
  }

  async cloneAccount(source: string, clone: string, password: string): Promise<void> {
    this.calls.push(`cloneAccount ${source} ${clone}`)
    await this.pass('cloneAccount')
    if (this.failWith) throw this.failWith
    const from = this.accounts.get(source)
    if (!from) throw new Error(`no account ${source}`)
    this.accounts.set(clone, { password, grants: [...from.grants] })
  }

  async createAccount(
    account: string,
    password: string,
    grants: ReadonlyArray<{ database: string; privilege: AccountPrivilege }>,
  ): Promise<void> {
    this.calls.push(`createAccount ${account}`)
    await this.pass('createAccount')
    if (this.failWith) throw this.failWith
    this.accounts.set(account, {
      password,
      grants: grants.map((g) => `${g.privilege} ON ${g.database}.*`),
    })
  }

  async checkLogin(account: string, password: string): Promise<boolean> {
    this.calls.push(`checkLogin ${account}`)
    return this.accounts.get(account)?.password === password
  }

  async describeGrants(account: string): Promise<string[]> {
    return [...(this.accounts.get(account)?.grants ?? [])]
  }

  async close(): Promise<void> {
    this.calls.push('close')
    this.closed = true
  }

  /** A factory that always returns this engine. */
  factory(): (config: DatabaseServerConfig) => DatabaseEngine {
    return () => this
  }
}
