import type { Catalog } from './catalog.js'
import type { Session } from './session.js'

/** What statements may know and do about the whole server. */
export interface ServerContext {
  readonly catalog: Catalog
  /** The server name in ERROR/INFO tokens and `@@SERVERNAME`. */
  readonly serverName: string
  /** `@@VERSION`. */
  readonly versionText: string
  /** Every logged-in session, the caller's included. */
  sessions(): Iterable<Session>
  /** Closes a session's socket from the server side; `false` when there is no such session. */
  kill(spid: number): boolean
  /** A transaction descriptor no other transaction of this server has had. */
  newTransactionDescriptor(): Buffer
}

/** What one statement runs with. */
export interface ExecutionContext {
  readonly server: ServerContext
  readonly session: Session
  /** Aborted by an ATTENTION or by the client going away. */
  readonly signal: AbortSignal
}
