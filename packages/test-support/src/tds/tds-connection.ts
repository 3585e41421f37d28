import type { Socket } from 'node:net'
import { readAllHeaders } from './all-headers.js'
import { authenticate, SERVER_PRODUCT } from './authenticate.js'
import { executeRpc } from './execute-rpc.js'
import { parseLogin7 } from './login7.js'
import { MessageReader, type TdsMessage } from './message-reader.js'
import { DEFAULT_PACKET_SIZE, encodeMessage, PacketStatus, PacketType } from './packet.js'
import { parsePrelogin, preloginResponse } from './prelogin.js'
import { parseRpcRequest } from './rpc-request.js'
import { errorToken, runBatch } from './run-batch.js'
import type { ExecutionContext, ServerContext } from './server-context.js'
import type { Session } from './session.js'
import { SqlError } from './sql-error.js'
import { DoneStatus, doneToken, EnvChangeType, envChangeToken, TokenType } from './tokens.js'
import { executeTransactionRequest } from './transaction-request.js'
import { abandonTransaction } from './transactions.js'

/** What a connection reports to the server that accepted it. */
export interface ConnectionHost extends ServerContext {
  /** A login succeeded (`session`) or was refused (`undefined`). */
  loggedIn(connection: TdsConnection, session: Session | undefined): void
  /** A SQL batch or RPC was answered. */
  answered(): void
  /** The socket closed, for whatever reason. */
  closed(connection: TdsConnection): void
}

type State = 'prelogin' | 'login' | 'ready' | 'failed'

/**
 * One client socket: reassembles its messages and answers them in order, PRELOGIN and LOGIN7
 * first, then SQL batches, RPCs, transaction-manager requests and attentions. Anything malformed
 * or out of place destroys this socket only.
 */
export class TdsConnection {
  private readonly reader = new MessageReader()
  private readonly queue: TdsMessage[] = []
  private state: State = 'prelogin'
  private packetSize = DEFAULT_PACKET_SIZE
  private busy = false
  /** Attentions received and not yet acknowledged. */
  private attentions = 0
  private running: AbortController | undefined
  /** Set once the login succeeded. */
  session: Session | undefined

  constructor(
    readonly socket: Socket,
    /** Session id, given at connect time like SQL Server's SPID. */
    readonly spid: number,
    private readonly host: ConnectionHost,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    // A reset by the client is normal; the close handler cleans up.
    socket.on('error', () => {})
    socket.on('close', () => this.end())
  }

  /** Forgets the session at once, so counts no longer include it, and stops what runs. */
  private end(): void {
    this.running?.abort()
    this.queue.length = 0
    this.session = undefined
    this.host.closed(this)
  }

  /** Closes the socket from the server side (KILL, killSessions, close, a protocol error). */
  destroy(): void {
    this.end()
    this.socket.destroy()
  }

  private receive(chunk: Buffer): void {
    let messages: TdsMessage[]
    try {
      messages = this.reader.push(chunk)
    } catch {
      this.destroy()
      return
    }
    for (const message of messages) {
      if (message.type === PacketType.ATTENTION) {
        // Cancels what runs now; the acknowledgement follows its response, in queue order.
        this.attentions += 1
        this.running?.abort()
      }
      this.queue.push(message)
    }
    void this.drain()
  }

  private async drain(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      while (this.queue.length > 0 && !this.socket.destroyed) {
        await this.handle(this.queue.shift()!)
      }
    } catch {
      // A TdsProtocolError, or a bug: either way only this socket goes.
      this.destroy()
    } finally {
      this.busy = false
    }
  }

  private send(tokens: readonly Buffer[] | Buffer, type: number = PacketType.TABULAR_RESULT): void {
    if (this.socket.destroyed) return
    const payload = Buffer.isBuffer(tokens) ? tokens : Buffer.concat(tokens)
    this.socket.write(encodeMessage(type, payload, this.packetSize, this.spid))
  }

  private async handle(message: TdsMessage): Promise<void> {
    switch (this.state) {
      case 'prelogin':
        if (message.type === PacketType.PRELOGIN) {
          parsePrelogin(message.payload)
          this.state = 'login'
          this.send(
            preloginResponse({ version: SERVER_PRODUCT.version, threadId: this.spid }),
            PacketType.TABULAR_RESULT,
          )
          return
        }
        return this.login(message)
      case 'login':
        return this.login(message)
      case 'ready':
        return this.request(message)
      case 'failed':
        // The client is expected to close after a failed login; anything else is a violation.
        this.destroy()
        return
    }
  }

  private login(message: TdsMessage): void {
    if (message.type !== PacketType.LOGIN7) {
      this.destroy()
      return
    }
    const outcome = authenticate(parseLogin7(message.payload), this.host, this.spid)
    this.send(outcome.tokens)
    this.packetSize = outcome.packetSize
    this.session = outcome.session
    // Like SQL Server, a refused login keeps the socket open until the client closes it.
    this.state = outcome.session ? 'ready' : 'failed'
    this.host.loggedIn(this, outcome.session)
  }

  /**
   * sp_reset_connection semantics: back to the login's database, an open transaction rolled back
   * (unless the client asked to keep it), then ENVCHANGE 18.
   */
  private reset(session: Session, keepTransaction: boolean): Buffer[] {
    const tokens = keepTransaction ? [] : abandonTransaction(session)
    if (session.database !== session.initialDatabase) {
      tokens.push(envChangeToken(EnvChangeType.DATABASE, session.initialDatabase, session.database))
      session.database = session.initialDatabase
    }
    tokens.push(envChangeToken(EnvChangeType.RESET_CONNECTION, Buffer.alloc(0), Buffer.alloc(0)))
    return tokens
  }

  private async request(message: TdsMessage): Promise<void> {
    const session = this.session!
    if (message.type === PacketType.ATTENTION) {
      this.attentions = Math.max(0, this.attentions - 1)
      this.send([doneToken(TokenType.DONE, DoneStatus.ATTN)])
      return
    }
    const kinds: number[] = [PacketType.SQL_BATCH, PacketType.RPC, PacketType.TRANSACTION_MANAGER]
    if (!kinds.includes(message.type)) {
      this.destroy()
      return
    }
    // A request the client cancelled while sending it (IGNORE), or one queued behind an
    // attention, still gets a response message, with nothing run.
    if ((message.status & PacketStatus.IGNORE) !== 0 || this.attentions > 0) {
      this.send([doneToken(TokenType.DONE, DoneStatus.FINAL)])
      return
    }
    const { bodyOffset } = readAllHeaders(message.payload)
    const resetBits = PacketStatus.RESET_CONNECTION | PacketStatus.RESET_CONNECTION_SKIP_TRAN
    const keepTransaction = (message.status & PacketStatus.RESET_CONNECTION) === 0
    const prefix = (message.status & resetBits) !== 0 ? this.reset(session, keepTransaction) : []
    const controller = new AbortController()
    this.running = controller
    const context: ExecutionContext = { server: this.host, session, signal: controller.signal }
    try {
      let tokens: Buffer[]
      switch (message.type) {
        case PacketType.SQL_BATCH:
          tokens = await runBatch(message.payload.toString('utf16le', bodyOffset), context)
          break
        case PacketType.RPC:
          tokens = await this.rpc(message.payload, bodyOffset, context, session)
          break
        default:
          tokens = executeTransactionRequest(message.payload, bodyOffset, context)
      }
      this.send([...prefix, ...tokens])
      if (message.type !== PacketType.TRANSACTION_MANAGER) this.host.answered()
    } finally {
      this.running = undefined
    }
  }

  private async rpc(
    payload: Buffer,
    offset: number,
    context: ExecutionContext,
    session: Session,
  ): Promise<Buffer[]> {
    try {
      const request = parseRpcRequest(payload, offset)
      return await executeRpc(request, context, () => this.reset(session, false))
    } catch (error) {
      if (!(error instanceof SqlError)) throw error
      return [errorToken(error, context), doneToken(TokenType.DONEPROC, DoneStatus.ERROR)]
    }
  }
}
