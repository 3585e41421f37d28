import { SecretClientError } from '@org/secret-client'
import mysql from 'mysql2'

/**
 * Throws unless mysql2 gives every pooled connection its own copy of the pool's connection config
 * (`BasePool#_createConnectionConfig`, mysql2 ≥ 3.23.3, the peer range). Rotation-aware pools put
 * each login's credentials into that config just before mysql2 copies it; an older mysql2 shares
 * one object between all connections, so a login still in its handshake could read another
 * login's user and password, and a connection's config would not say which account it is.
 * Checked before a pool is created, so nothing is left open.
 * @throws {@link SecretClientError} `INVALID_CONFIG` naming the required version.
 */
export function assertSupportedMysql2(): void {
  const prototype = (mysql as unknown as { Pool: { prototype: Record<string, unknown> } }).Pool
    .prototype
  if (typeof prototype._createConnectionConfig !== 'function') {
    throw new SecretClientError(
      'INVALID_CONFIG',
      '@org/secret-mysql pools need mysql2 >= 3.23.3 (a config copy per pooled connection)',
    )
  }
}
