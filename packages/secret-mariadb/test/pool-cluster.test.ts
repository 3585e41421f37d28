import { describeWithRotatingAccount, type RotatingAccount } from '@org/test-support'
import mariadb from 'mariadb'
import mariadbCallback, { type PoolConnection as CallbackPoolConnection } from 'mariadb/callback'
import { expect, it } from 'vitest'
import { createPoolCluster as createCallbackPoolCluster } from '../src/callback.js'
import { createPoolCluster, secretPoolState } from '../src/index.js'

let acct: RotatingAccount

await describeWithRotatingAccount(
  'secret-mariadb pool cluster',
  'mdbcl',
  (account) => {
    acct = account
  },
  () => {
    it("is the connector's own cluster, whose nodes log in with the secret and get through a rotation", async () => {
      const raw = mariadb.createPoolCluster()
      const cluster = createPoolCluster({ removeNodeErrorCount: 3 })
      try {
        expect(Object.getPrototypeOf(Object.getPrototypeOf(cluster))).toBe(
          Object.getPrototypeOf(raw),
        )
        cluster.add('primary', { ...acct.options(), connectionLimit: 2 })
        cluster.add('replica', { ...acct.options(), connectionLimit: 2 })
        const users = await Promise.all([
          cluster.of('primary').query('SELECT CURRENT_USER() AS me'),
          cluster.of('replica').query('SELECT CURRENT_USER() AS me'),
        ])
        for (const rows of users) {
          expect(String((rows as Array<{ me: string }>)[0]?.me)).toMatch(
            new RegExp(`^${acct.account}@`),
          )
        }
        // A single-account rotation the cache has not seen: both nodes' next logins go through.
        // Both nodes fully opened (two connections each), then one of each held and one freed
        // after the rotation: refilling it takes a new login per node, which the old password fails.
        await new Promise((resolve) => setTimeout(resolve, 300))
        const held = await Promise.all([
          cluster.getConnection('primary'),
          cluster.getConnection('replica'),
        ])
        const spare = await Promise.all([
          cluster.getConnection('primary'),
          cluster.getConnection('replica'),
        ])
        await acct.rotate()
        const before = acct.fetches()
        for (const connection of spare) connection.destroy()
        const after = await Promise.all(
          ['primary', 'replica', 'primary', 'replica'].map((node) =>
            cluster.of(node).query('SELECT 1 AS one'),
          ),
        )
        expect(after).toEqual([[{ one: 1 }], [{ one: 1 }], [{ one: 1 }], [{ one: 1 }]])
        // One forced refresh, shared by both nodes.
        expect(acct.fetches() - before).toBe(1)
        for (const connection of held) {
          expect(secretPoolState(connection) ?? 'a connection, not a pool').toBe(
            'a connection, not a pool',
          )
          await connection.release()
        }
        // The duplicate-identifier error is the connector's own.
        let duplicate: unknown
        try {
          cluster.add('primary', { ...acct.options() })
        } catch (error) {
          duplicate = error
        }
        expect(String(duplicate)).toContain("Node identifier 'primary' already exist")
      } finally {
        await cluster.end()
        await raw.end()
      }
    })

    it("the callback cluster's nodes are callback pools that log in with the secret and get through a rotation", async () => {
      const raw = mariadbCallback.createPoolCluster()
      const cluster = createCallbackPoolCluster({ removeNodeErrorCount: 3 })
      type Callback<T> = (error: Error | null, value?: T) => void
      const call = <T>(run: (callback: Callback<T>) => void): Promise<T> =>
        new Promise((resolve, reject) =>
          run((error, value) => (error ? reject(error) : resolve(value as T))),
        )
      const removed: string[] = []
      cluster.on('remove', (node) => removed.push(node))
      try {
        // The connector's own callback cluster methods, argument handling included.
        expect(Object.keys(Object.getOwnPropertyDescriptors(cluster)).sort()).toEqual(
          Object.keys(Object.getOwnPropertyDescriptors(raw)).sort(),
        )
        cluster.add('primary', { ...acct.options(), connectionLimit: 2 })
        cluster.add('replica', { ...acct.options(), connectionLimit: 2 })
        // Callback connections, from the pattern form and the selector form; both of each node's
        // connections held, so the queries after the rotation need a new login per node.
        const held = [
          await call<CallbackPoolConnection>((cb) => cluster.getConnection('primary', cb)),
          await call<CallbackPoolConnection>((cb) => cluster.getConnection('replica', 'ORDER', cb)),
        ]
        const spare = [
          await call<CallbackPoolConnection>((cb) => cluster.getConnection('primary', cb)),
          await call<CallbackPoolConnection>((cb) => cluster.getConnection('replica', 'ORDER', cb)),
        ]
        for (const connection of [...held, ...spare]) {
          const rows = await call<Array<{ me: string }>>((cb) =>
            connection.query('SELECT CURRENT_USER() AS me', cb),
          )
          expect(String(rows[0]?.me)).toMatch(new RegExp(`^${acct.account}@`))
        }
        // A single-account rotation the cache has not seen: the refill logins are rejected,
        // rotated past, and both nodes keep answering through callbacks.
        await acct.rotate()
        const before = acct.fetches()
        for (const connection of spare) connection.destroy()
        // (Through getConnection: the callback cluster's of() is the connector's own, which in 3.1
        // hands back its promise-API filtered cluster, unusable in callback mode.)
        const queryOn = async (node: string, sql: string): Promise<unknown> => {
          const connection = await call<CallbackPoolConnection>((cb) =>
            cluster.getConnection(node, cb),
          )
          try {
            return await call<unknown>((cb) => connection.query(sql, cb))
          } finally {
            await call((cb) => connection.release(cb))
          }
        }
        const after = await Promise.all(
          ['primary', 'replica', 'primary', 'replica'].map((node) =>
            queryOn(node, 'SELECT 1 AS one'),
          ),
        )
        expect(after).toEqual([[{ one: 1 }], [{ one: 1 }], [{ one: 1 }], [{ one: 1 }]])
        expect(acct.fetches() - before).toBe(1)
        for (const connection of held) await call((cb) => connection.release(cb))
        cluster.remove('replica')
        expect(removed).toEqual([])
        const rest = await queryOn('primary', 'SELECT 2 AS two')
        expect(rest).toEqual([{ two: 2 }])
      } finally {
        await new Promise((resolve) => cluster.end(resolve))
        await new Promise((resolve) => raw.end(resolve))
      }
    })
  },
)
