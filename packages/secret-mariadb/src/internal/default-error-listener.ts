import mariadb from 'mariadb'

let adds: boolean | undefined

/**
 * Whether the installed connector's `createPool` gives its pools a no-op `'error'` listener (so a
 * failure to open a connection does not crash the process): 3.1.2 and later do, 3.1.0 does not.
 * Found out once, from a pool that never connects (no minimum idle, no request).
 */
export function connectorAddsDefaultErrorListener(): boolean {
  if (adds === undefined) {
    const probe = mariadb.createPool({ minimumIdle: 0, connectionLimit: 1 })
    adds = (probe as unknown as NodeJS.EventEmitter).listenerCount('error') > 0
    probe.end().catch(() => {})
  }
  return adds
}
