import {
  tsqlIdentifier as id,
  randomName,
  randomPassword,
  startTdsServer,
  tsqlString as str,
  type TdsServer,
} from '@org/test-support'
import * as tedious from 'tedious'
import { closed, connected, query } from './tedious-helpers.js'

/** A test TDS server with one login that owns a database, and an admin session on it. */
export interface TdsAccount {
  server: TdsServer
  admin: InstanceType<typeof tedious.Connection>
  account: string
  password: string
  database: string
  /** Sets the login's password behind any secret's back (as the admin). */
  setPassword(next: string): Promise<void>
  close(): Promise<void>
}

/** Starts the server and creates the login (`label` in its name), its database and its user. */
export async function startTdsAccount(label: string): Promise<TdsAccount> {
  const server = await startTdsServer()
  const admin = new tedious.Connection({
    server: server.host,
    authentication: {
      type: 'default',
      options: { userName: server.adminLogin, password: server.adminPassword },
    },
    options: { port: server.port },
  })
  await connected(admin)
  const account = randomName(label)
  const password = randomPassword()
  const database = randomName('db')
  await query(admin, `CREATE DATABASE ${id(database)}`)
  await query(admin, `CREATE LOGIN ${id(account)} WITH PASSWORD = ${str(password)}`)
  await query(admin, `USE ${id(database)}; CREATE USER ${id(account)} FOR LOGIN ${id(account)}`)
  return {
    server,
    admin,
    account,
    password,
    database,
    setPassword: async (next) => {
      await query(admin, `ALTER LOGIN ${id(account)} WITH PASSWORD = ${str(next)}`)
    },
    async close() {
      await closed(admin)
      await server.close()
    },
  }
}
