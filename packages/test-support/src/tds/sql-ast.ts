import type { SqlValue } from './sql-value.js'

/** An expression of the SELECT subset. */
export type Expr =
  | { kind: 'literal'; value: SqlValue }
  /** A built-in function call, e.g. `SUSER_ID(N'x')`; `name` is upper-case. */
  | { kind: 'call'; name: string; args: Expr[] }
  /** `@@SPID`, `SYSTEM_USER`, `CURRENT_USER`…; `name` is upper-case. */
  | { kind: 'builtin'; name: string }
  /** A column of the FROM view; `name` is lower-case, any `alias.` prefix dropped. */
  | { kind: 'column'; name: string }
  | { kind: 'negate'; operand: Expr }
  | { kind: 'countStar' }

/** A WHERE / IF condition. */
export type Condition =
  | { kind: 'compare'; op: '=' | '<>' | '<' | '>' | '<=' | '>='; left: Expr; right: Expr }
  | { kind: 'in'; operand: Expr; values: Expr[]; negated: boolean }
  | { kind: 'isNull'; operand: Expr; negated: boolean }
  | { kind: 'exists'; query: SelectStatement; negated: boolean }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }

/** One item of a SELECT list. */
export interface SelectItem {
  expr: Expr
  /** `AS alias`; without one the column name is the column's own or `''`. */
  alias: string | undefined
}

/** `SELECT [TOP n] items [FROM view [AS alias]] [WHERE condition] [ORDER BY …]`. */
export interface SelectStatement {
  kind: 'select'
  top: number | undefined
  items: SelectItem[]
  /** The view, lower-case and without brackets, e.g. `sys.sql_logins`. */
  from: string | undefined
  where: Condition | undefined
  orderBy: Array<{ expr: Expr; descending: boolean }>
}

/** The options of CREATE LOGIN / ALTER LOGIN … WITH. */
export interface LoginOptions {
  password?: string
  oldPassword?: string
  defaultDatabase?: string
}

/** A parsed statement of the subset. */
export type Statement =
  | { kind: 'set' }
  | SelectStatement
  /** The `sys.database_role_members` join, recognised by shape: roles of one user. */
  | { kind: 'roleMembers'; column: string; user: Expr }
  | { kind: 'createLogin'; name: string; options: LoginOptions }
  | { kind: 'alterLogin'; name: string; options: LoginOptions; enable: boolean | undefined }
  | { kind: 'dropLogin'; name: string }
  | { kind: 'createDatabase'; name: string }
  | { kind: 'dropDatabase'; name: string; ifExists: boolean }
  | { kind: 'use'; name: string }
  /** `login` is `undefined` for WITHOUT LOGIN. */
  | { kind: 'createUser'; name: string; login: string | undefined }
  | { kind: 'dropUser'; name: string; ifExists: boolean }
  | { kind: 'alterRole'; role: string; member: string; add: boolean }
  | { kind: 'kill'; spid: number }
  | { kind: 'waitfor'; delay: Expr }
  | { kind: 'begin'; name: string }
  | { kind: 'commit' }
  | { kind: 'rollback'; name: string }
  | { kind: 'save'; name: string }
  | { kind: 'if'; condition: Condition; body: Statement }
