import type { ExecutionContext } from './server-context.js'
import { NO_TRANSACTION, type Session } from './session.js'
import { sqlErrors } from './sql-error.js'
import { EnvChangeType, envChangeToken } from './tokens.js'

const EMPTY = Buffer.alloc(0)

/**
 * BEGIN TRANSACTION (T-SQL or TM_BEGIN_XACT). Only the outermost one starts a transaction and
 * sends ENVCHANGE 8 with a new descriptor (tedious sends it back in every later request); nested
 * ones only count up `@@TRANCOUNT`, as in SQL Server.
 */
export function beginTransaction(context: ExecutionContext, name: string): Buffer[] {
  const { session } = context
  session.trancount += 1
  if (session.trancount > 1) return []
  session.transactionName = name
  session.savepoints = []
  session.transactionDescriptor = context.server.newTransactionDescriptor()
  return [envChangeToken(EnvChangeType.BEGIN_TRANSACTION, session.transactionDescriptor, EMPTY)]
}

/** Ends the transaction: `@@TRANCOUNT` back to 0. */
function end(session: Session, type: number): Buffer[] {
  const descriptor = session.transactionDescriptor
  session.trancount = 0
  session.transactionName = ''
  session.savepoints = []
  session.transactionDescriptor = NO_TRANSACTION
  return [envChangeToken(type, EMPTY, descriptor)]
}

/**
 * COMMIT: counts `@@TRANCOUNT` down; the last one commits and sends ENVCHANGE 9.
 *
 * @throws SqlError 3902 outside a transaction
 */
export function commitTransaction(context: ExecutionContext): Buffer[] {
  const { session } = context
  if (session.trancount === 0) throw sqlErrors.commitWithoutBegin()
  if (session.trancount > 1) {
    session.trancount -= 1
    return []
  }
  return end(session, EnvChangeType.COMMIT_TRANSACTION)
}

/**
 * ROLLBACK [name]: to a savepoint when `name` is one (the transaction stays open), otherwise the
 * whole transaction, whatever `@@TRANCOUNT` was (ENVCHANGE 10). Nothing is undone: the catalog
 * is not transactional.
 *
 * @throws SqlError 3903 outside a transaction, 6401 for a name that is neither
 */
export function rollbackTransaction(context: ExecutionContext, name: string): Buffer[] {
  const { session } = context
  if (session.trancount === 0) throw sqlErrors.rollbackWithoutBegin()
  if (name !== '' && name !== session.transactionName) {
    const index = session.savepoints.lastIndexOf(name)
    if (index < 0) throw sqlErrors.noSavepoint(name)
    session.savepoints.length = index + 1
    return []
  }
  return end(session, EnvChangeType.ROLLBACK_TRANSACTION)
}

/**
 * SAVE TRANSACTION name.
 *
 * @throws SqlError 628 outside a transaction
 */
export function saveTransaction(context: ExecutionContext, name: string): Buffer[] {
  const { session } = context
  if (session.trancount === 0) throw sqlErrors.saveWithoutTransaction()
  session.savepoints.push(name)
  return []
}

/** Rolls back an open transaction without an error when there is none (connection reset). */
export function abandonTransaction(session: Session): Buffer[] {
  return session.trancount === 0 ? [] : end(session, EnvChangeType.ROLLBACK_TRANSACTION)
}
