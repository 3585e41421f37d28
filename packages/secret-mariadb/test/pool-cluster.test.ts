import { describeWithRotatingAccount, type RotatingAccount } from '@org/test-support'
import mariadb from 'mariadb'
import { expect, it } from 'vitest'
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
  },
)
