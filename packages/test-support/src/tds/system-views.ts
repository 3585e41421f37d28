import type { ExecutionContext } from './server-context.js'
import type { SqlValue } from './sql-value.js'

/** The rows of a catalog view, column names lower-case as SQL Server names them. */
export interface ViewRows {
  columns: readonly string[]
  rows: Array<Record<string, SqlValue>>
}

/**
 * The catalog views this server answers from its in-memory state: `sys.sql_logins` (also as
 * `sys.server_principals` and `sys.syslogins`), `sys.databases` (`sys.sysdatabases`),
 * `sys.database_principals` of the current database, and `sys.dm_exec_sessions`.
 *
 * @param name - the view, lower-case, e.g. `sys.sql_logins`
 * @returns `undefined` for any other name
 */
export function systemView(name: string, context: ExecutionContext): ViewRows | undefined {
  const { catalog } = context.server
  switch (name) {
    case 'sys.sql_logins':
    case 'sys.server_principals':
    case 'sys.syslogins':
      return {
        columns: [
          'name',
          'principal_id',
          'type',
          'type_desc',
          'is_disabled',
          'default_database_name',
        ],
        rows: catalog.listLogins().map((login) => ({
          name: login.name,
          principal_id: login.principalId,
          type: 'S',
          type_desc: 'SQL_LOGIN',
          is_disabled: login.disabled,
          default_database_name: login.defaultDatabase,
        })),
      }
    case 'sys.databases':
    case 'sys.sysdatabases':
      return {
        columns: ['name', 'database_id', 'state_desc'],
        rows: catalog.listDatabases().map((database) => ({
          name: database.name,
          database_id: database.id,
          state_desc: 'ONLINE',
        })),
      }
    case 'sys.database_principals': {
      const database = catalog.findDatabase(context.session.database)
      return {
        columns: ['name', 'principal_id', 'type', 'type_desc'],
        rows: database
          ? catalog.principals(database).map((principal) => ({
              name: principal.name,
              principal_id: principal.principalId,
              type: principal.type,
              type_desc: principal.typeDesc,
            }))
          : [],
      }
    }
    case 'sys.dm_exec_sessions':
      return {
        columns: [
          'session_id',
          'login_name',
          'database_id',
          'program_name',
          'host_name',
          'is_user_process',
        ],
        rows: [...context.server.sessions()].map((session) => ({
          session_id: session.spid,
          login_name: session.login.name,
          database_id: catalog.findDatabase(session.database)?.id ?? null,
          program_name: session.client.appName,
          host_name: session.client.hostName,
          is_user_process: true,
        })),
      }
    default:
      return undefined
  }
}
