import tedious from 'tedious'

type TediousConnection = InstanceType<typeof tedious.Connection>

/** `connection.connect()` as a promise. */
export const connected = (connection: TediousConnection): Promise<void> =>
  new Promise((resolve, reject) =>
    connection.connect((error) => (error ? reject(error) : resolve())),
  )

/** Runs `sql` with `execSql` (sp_executesql, as most tedious code does); resolves plain rows. */
export const query = (
  connection: TediousConnection,
  sql: string,
  parameters: ReadonlyArray<{ name: string; type: unknown; value: unknown }> = [],
): Promise<Array<Record<string, unknown>>> =>
  new Promise((resolve, reject) => {
    const rows: Array<Record<string, unknown>> = []
    const request = new tedious.Request(sql, (error) => (error ? reject(error) : resolve(rows)))
    for (const p of parameters) request.addParameter(p.name, p.type as never, p.value)
    request.on('row', (columns: Array<{ metadata: { colName: string }; value: unknown }>) => {
      rows.push(Object.fromEntries(columns.map((c) => [c.metadata.colName, c.value])))
    })
    connection.execSql(request)
  })

/** `connection.close()`, resolved on `'end'`. */
export const closed = (connection: TediousConnection): Promise<void> =>
  new Promise((resolve) => {
    if (connection.closed) {
      resolve()
      return
    }
    connection.once('end', () => resolve())
    connection.close()
  })

/**
 * A minimal pool of connections for the conformance suite (tedious has none): at most `max`
 * connections, each running one request at a time; a connection that fails is dropped, and a new
 * one is opened for the next request.
 */
export function connectionPool(max: number, open: () => Promise<TediousConnection>) {
  const idle: TediousConnection[] = []
  const waiting: Array<() => void> = []
  const all = new Set<TediousConnection>()
  let opening = 0
  let ended = false
  const wakeOne = () => waiting.shift()?.()
  const release = (connection: TediousConnection) => {
    if (connection.closed || ended) all.delete(connection)
    else idle.push(connection)
    wakeOne()
  }
  const acquire = async (): Promise<TediousConnection> => {
    for (;;) {
      const free = idle.pop()
      if (free) return free
      if (all.size + opening < max) {
        opening += 1
        try {
          const connection = await open()
          all.add(connection)
          return connection
        } catch (error) {
          // A failed open frees its slot for a waiting request.
          wakeOne()
          throw error
        } finally {
          opening -= 1
        }
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
  }
  return {
    async query(sql: string) {
      const connection = await acquire()
      try {
        return await query(connection, sql)
      } finally {
        release(connection)
      }
    },
    async end() {
      ended = true
      await Promise.all([...all].map(closed))
    },
  }
}

/**
 * An mssql `ConnectionPool` of this package as the conformance suites drive a pool: connected in
 * the background (a connect failure is the first query's error), plain rows, `end()` = `close()`.
 */
export function mssqlPool(
  create: () => {
    connect(): Promise<unknown>
    query(sql: string): Promise<{ recordset?: unknown }>
    close(): Promise<unknown>
  },
) {
  const pool = create()
  const ready = pool.connect()
  ready.catch(() => {})
  return {
    query: async (sql: string) => {
      await ready
      return ((await pool.query(sql)).recordset ?? []) as Array<Record<string, unknown>>
    },
    end: async () => {
      await ready.catch(() => {})
      await pool.close()
    },
  }
}
