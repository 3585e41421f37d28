import type { Login7 } from './login7.js'
import type { ServerContext } from './server-context.js'
import { type ClientInfo, Session } from './session.js'
import {
  DoneStatus,
  doneToken,
  EnvChangeType,
  envChangeToken,
  loginAckToken,
  messageToken,
  SERVER_COLLATION,
  type ServerMessage,
  TokenType,
} from './tokens.js'

/** The product this server claims to be in LOGINACK and PRELOGIN. */
export const SERVER_PRODUCT = {
  progName: 'Microsoft SQL Server',
  version: [16, 0, 1000] as const,
}

/** TDS versions answered as asked; anything else gets 7.4, and tedious adapts to the answer. */
const TDS_7_4 = 0x74000004
const knownVersions = new Set([0x72090002, 0x730a0003, 0x730b0003, TDS_7_4])

/** What a LOGIN7 led to. */
export interface LoginOutcome {
  /** The response tokens. */
  tokens: Buffer[]
  /** The new session, when the login succeeded. */
  session: Session | undefined
  /** The packet size for the rest of the connection. */
  packetSize: number
}

/** Packet size granted: the client's, within SQL Server's 512…32767 (4096 when it asks for 0). */
function grantedPacketSize(requested: number): number {
  if (requested === 0) return 4096
  return Math.min(32_767, Math.max(512, requested))
}

/**
 * Checks a LOGIN7 against the catalog. A login that does not exist, is disabled or gives the wrong
 * password gets error 18456 (`Login failed for user '<name>'.`, class 14, state 1) and DONE with
 * the error bit, as SQL Server answers all three without telling which; a database that does not
 * exist or that the login has no user in adds error 4060 (4064 for the login's default
 * database) first. Integrated and federated authentication are refused the same way. Success
 * answers like SQL Server: ENVCHANGE database + INFO 5701, ENVCHANGE collation, ENVCHANGE
 * language + INFO 5703, LOGINACK, ENVCHANGE packet size, DONE.
 */
export function authenticate(login7: Login7, server: ServerContext, spid: number): LoginOutcome {
  const packetSize = grantedPacketSize(login7.packetSize)
  const message = (fields: Omit<ServerMessage, 'serverName'>) =>
    messageToken({ ...fields, serverName: server.serverName })
  const fail = (extra: Buffer[] = []): LoginOutcome => ({
    tokens: [
      ...extra,
      message({
        number: 18456,
        state: 1,
        severity: 14,
        message: `Login failed for user '${login7.userName}'.`,
      }),
      doneToken(TokenType.DONE, DoneStatus.ERROR),
    ],
    session: undefined,
    packetSize,
  })
  const { catalog } = server
  const login = catalog.findLogin(login7.userName)
  const refused =
    !login ||
    login.disabled ||
    login.password !== login7.password ||
    login7.integratedSecurity ||
    login7.federatedAuthentication
  if (refused) return fail()
  const requested = login7.database !== ''
  const databaseName = requested ? login7.database : login.defaultDatabase
  const database = catalog.findDatabase(databaseName)
  if (!database || !catalog.canAccess(login, database)) {
    return fail([
      requested
        ? message({
            number: 4060,
            state: 1,
            severity: 11,
            message: `Cannot open database "${databaseName}" requested by the login. The login failed.`,
          })
        : message({
            number: 4064,
            state: 1,
            severity: 11,
            message: 'Cannot open user default database. Login failed.',
          }),
    ])
  }
  const client: ClientInfo = { appName: login7.appName, hostName: login7.hostName }
  const session = new Session(spid, { ...login }, client, database.name)
  const tdsVersion = knownVersions.has(login7.tdsVersion) ? login7.tdsVersion : TDS_7_4
  return {
    tokens: [
      envChangeToken(EnvChangeType.DATABASE, database.name, 'master'),
      message({
        number: 5701,
        state: 2,
        severity: 0,
        message: `Changed database context to '${database.name}'.`,
      }),
      envChangeToken(EnvChangeType.SQL_COLLATION, SERVER_COLLATION, Buffer.alloc(0)),
      envChangeToken(EnvChangeType.LANGUAGE, 'us_english', ''),
      message({
        number: 5703,
        state: 1,
        severity: 0,
        message: 'Changed language setting to us_english.',
      }),
      loginAckToken(tdsVersion, SERVER_PRODUCT.progName, SERVER_PRODUCT.version),
      envChangeToken(EnvChangeType.PACKET_SIZE, String(packetSize), String(packetSize)),
      doneToken(TokenType.DONE, DoneStatus.FINAL),
    ],
    session,
    packetSize,
  }
}
