/**
 * An error SQL Server would raise, sent to the client as an ERROR token. Unlike
 * `TdsProtocolError` it never closes the connection.
 */
export class SqlError extends Error {
  override readonly name = 'SqlError'

  constructor(
    /** SQL Server's error number, e.g. 15025. */
    readonly number: number,
    /** Severity ("class"). */
    readonly severity: number,
    message: string,
    readonly state = 1,
  ) {
    super(message)
  }
}

/** The errors this server raises, worded as SQL Server words them. */
export const sqlErrors = {
  syntax: (near: string) => new SqlError(102, 15, `Incorrect syntax near '${near}'.`),
  unclosedQuote: (text: string) =>
    new SqlError(105, 15, `Unclosed quotation mark after the character string '${text}'.`),
  identifierTooLong: (start: string) =>
    new SqlError(
      103,
      15,
      `The identifier that starts with '${start.slice(0, 128)}' is too long. Maximum length is 128.`,
    ),
  undeclaredVariable: (name: string) =>
    new SqlError(137, 15, `Must declare the scalar variable "${name}".`),
  waitforSyntax: (text: string) =>
    new SqlError(148, 15, `Incorrect time syntax in time string '${text}' used with WAITFOR.`),
  noPermission: () =>
    new SqlError(15247, 16, 'User does not have permission to perform this action.'),
  loginExists: (name: string) =>
    new SqlError(15025, 16, `The server principal '${name}' already exists.`),
  cannotAlterLogin: (name: string) =>
    new SqlError(
      15151,
      16,
      `Cannot alter the login '${name}', because it does not exist or you do not have permission.`,
    ),
  cannotDropLogin: (name: string) =>
    new SqlError(
      15151,
      16,
      `Cannot drop the login '${name}', because it does not exist or you do not have permission.`,
    ),
  notALogin: (name: string) =>
    new SqlError(15007, 16, `'${name}' is not a valid login or you do not have permission.`),
  noSuchDefaultDatabase: (name: string) =>
    new SqlError(15010, 16, `The database '${name}' does not exist. Supply a valid database name.`),
  databaseExists: (name: string) =>
    new SqlError(1801, 16, `Database '${name}' already exists. Choose a different database name.`),
  cannotDropDatabase: (name: string) =>
    new SqlError(
      3701,
      11,
      `Cannot drop the database '${name}', because it does not exist or you do not have permission.`,
    ),
  systemDatabase: (name: string) =>
    new SqlError(3708, 16, `Cannot drop the database '${name}' because it is a system database.`),
  databaseInUse: (name: string) =>
    new SqlError(3702, 16, `Cannot drop database "${name}" because it is currently in use.`),
  notInTransaction: (statement: 'CREATE DATABASE' | 'DROP DATABASE') =>
    new SqlError(226, 16, `${statement} statement not allowed within multi-statement transaction.`),
  noSuchDatabase: (name: string) =>
    new SqlError(
      911,
      16,
      `Database '${name}' does not exist. Make sure that the name is entered correctly.`,
    ),
  noDatabaseAccess: (login: string, database: string) =>
    new SqlError(
      916,
      14,
      `The server principal "${login}" is not able to access the database "${database}" under the current security context.`,
    ),
  userExists: (name: string) =>
    new SqlError(
      15023,
      16,
      `User, group, or role '${name}' already exists in the current database.`,
    ),
  loginHasUser: () =>
    new SqlError(15063, 16, 'The login already has an account under a different user name.'),
  cannotDropUser: (name: string) =>
    new SqlError(
      15151,
      16,
      `Cannot drop the user '${name}', because it does not exist or you do not have permission.`,
    ),
  cannotDropSpecialUser: (name: string) =>
    new SqlError(15150, 16, `Cannot drop the user '${name}'.`),
  cannotAlterRole: (name: string) =>
    new SqlError(
      15151,
      16,
      `Cannot alter the role '${name}', because it does not exist or you do not have permission.`,
    ),
  cannotAddPrincipal: (name: string) =>
    new SqlError(
      15151,
      16,
      `Cannot add the principal '${name}', because it does not exist or you do not have permission.`,
    ),
  killSelf: () => new SqlError(6104, 16, 'Cannot use KILL to kill your own process.'),
  noSuchProcess: (spid: number) =>
    new SqlError(6106, 16, `Process ID ${spid} is not an active process ID.`),
  commitWithoutBegin: () =>
    new SqlError(
      3902,
      16,
      'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.',
    ),
  rollbackWithoutBegin: () =>
    new SqlError(
      3903,
      16,
      'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.',
    ),
  noSavepoint: (name: string) =>
    new SqlError(
      6401,
      16,
      `Cannot roll back ${name}. No transaction or savepoint of that name was found.`,
    ),
  saveWithoutTransaction: () =>
    new SqlError(628, 16, 'Cannot issue SAVE TRANSACTION when there is no active transaction.'),
  noSuchProcedure: (name: string) =>
    new SqlError(2812, 16, `Could not find stored procedure '${name}'.`),
  badRpc: (detail: string) =>
    new SqlError(
      8016,
      16,
      `The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream is incorrect. ${detail}`,
    ),
  unsupportedTransactionRequest: (type: number) =>
    new SqlError(
      8004,
      16,
      `The incoming tabular data stream (TDS) transaction manager request type ${type} is not supported by this server.`,
    ),
} as const
