import type { LoginRecord } from './catalog.js'

/** A transaction descriptor outside any transaction: eight zero bytes. */
export const NO_TRANSACTION = Buffer.alloc(8)

/** What the client said about itself in LOGIN7. */
export interface ClientInfo {
  appName: string
  hostName: string
}

/** The state of one logged-in connection. */
export class Session {
  /** Current database (`DB_NAME()`). */
  database: string
  /** `@@TRANCOUNT`. */
  trancount = 0
  /** Name of the outermost transaction (ROLLBACK TRAN <name> rolls it back). */
  transactionName = ''
  /** Savepoints of the open transaction, oldest first. */
  savepoints: string[] = []
  /** Descriptor of the open transaction, sent to the client in ENVCHANGE 8. */
  transactionDescriptor: Buffer = NO_TRANSACTION

  constructor(
    /** `@@SPID`: 51 and up, like SQL Server's user sessions. */
    readonly spid: number,
    /** The login as it was when the session logged in (later changes do not reach it). */
    readonly login: LoginRecord,
    readonly client: ClientInfo,
    /** The database the session logged into (sp_reset_connection goes back to it). */
    readonly initialDatabase: string,
  ) {
    this.database = initialDatabase
  }
}
