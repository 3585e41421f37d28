import { KmsEmulatorError } from '../errors.js'
import type { AccountPrivilege, DatabaseEngine, DatabaseServerConfig } from './database-engine.js'

/**
 * Codes of {@link DatabaseEngineError}.
 *
 * | code | meaning |
 * |---|---|
 * | `INVALID_CONFIG` | the {@link DatabaseServerConfig} is unusable (unknown engine, bad port, no user) |
 * | `INVALID_ACCOUNT_NAME` | an account name is not 1–32 letters/digits/`_` starting with a letter, or is reserved |
 * | `INVALID_DATABASE_NAME` | a database name is not 1–63 letters/digits/`_` starting with a letter, or is a system database |
 * | `INVALID_PRIVILEGE` | a `createAccount` grant is not `{ database, privilege }` with a known {@link AccountPrivilege} |
 * | `INVALID_PASSWORD` | a password is empty, longer than 256 characters or contains a NUL character |
 * | `PROTECTED_ACCOUNT` | the operation would change the admin account the engine itself logs in with |
 * | `ACCOUNT_NOT_FOUND` | the account (or clone source) does not exist or cannot log in |
 * | `ACCOUNT_EXISTS` | `createAccount` for a name that is already taken |
 * | `DATABASE_UNAVAILABLE` | the server could not be reached, or the admin login failed |
 * | `DATABASE_ERROR` | the server rejected a statement (`serverCode` says why) |
 * | `ENGINE_CLOSED` | the engine was closed |
 *
 * @see DatabaseServerConfig
 */
export type DatabaseEngineErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_ACCOUNT_NAME'
  | 'INVALID_DATABASE_NAME'
  | 'INVALID_PRIVILEGE'
  | 'INVALID_PASSWORD'
  | 'PROTECTED_ACCOUNT'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_EXISTS'
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_ERROR'
  | 'ENGINE_CLOSED'

/**
 * Failure of a {@link DatabaseEngine} operation; a {@link KmsEmulatorError}, so
 * `err instanceof KmsEmulatorError` still catches it. It never carries the driver error as `cause`:
 * mysql2 errors hold the failed statement in `sql` and server messages may quote it, and for
 * `ALTER USER … IDENTIFIED BY` that statement contains the password. The server's error number or
 * SQLSTATE is kept in `serverCode` instead; the server's message only for statements without a
 * password.
 */
export class DatabaseEngineError extends KmsEmulatorError {
  override name = 'DatabaseEngineError'
  declare readonly code: DatabaseEngineErrorCode
  /** MariaDB/MySQL error number (e.g. `'1396'`) or PostgreSQL SQLSTATE (e.g. `'42501'`), if any. */
  readonly serverCode: string | undefined

  constructor(code: DatabaseEngineErrorCode, message: string, serverCode?: string) {
    super(code, message)
    this.serverCode = serverCode
  }
}

/** `ACCOUNT_NOT_FOUND` for `account`, as every engine reports it. */
export function accountNotFound(account: string): DatabaseEngineError {
  return new DatabaseEngineError('ACCOUNT_NOT_FOUND', `The account "${account}" does not exist.`)
}

/** `ACCOUNT_EXISTS` for `account` (`createAccount` of a taken name). */
export function accountExists(account: string): DatabaseEngineError {
  return new DatabaseEngineError('ACCOUNT_EXISTS', `The account "${account}" already exists.`)
}

/** `ENGINE_CLOSED` for `operation` on a closed engine. */
export function engineClosed(operation: string): DatabaseEngineError {
  return new DatabaseEngineError('ENGINE_CLOSED', `${operation} failed: the engine is closed.`)
}
