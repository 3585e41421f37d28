import { describe, expect, it } from 'vitest'
import {
  grantDatabasePattern,
  normaliseGrant,
  replayOrder,
  revokeStatements,
  rewriteGrant,
} from '../../src/database/_mysql-grants.js'

const usage =
  "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*66F936ECC01641848C0263A8BAE23670D420FB87' WITH MAX_USER_CONNECTIONS 5"

describe('SHOW GRANTS rewriting', () => {
  it('drops the credential and replaces only the grantee when normalising', () => {
    expect(normaliseGrant(usage, 'app', '%')).toBe(
      'GRANT USAGE ON *.* TO {account} WITH MAX_USER_CONNECTIONS 5',
    )
    expect(
      normaliseGrant(
        "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED VIA ed25519 USING 'abc+/=' REQUIRE SSL",
        'app',
        '%',
      ),
    ).toBe('GRANT USAGE ON *.* TO {account} REQUIRE SSL')
    // A database and a role that share the account's name are not the grantee.
    expect(normaliseGrant('GRANT SELECT ON `app`.* TO `app`@`%`', 'app', '%')).toBe(
      'GRANT SELECT ON `app`.* TO {account}',
    )
    expect(normaliseGrant('GRANT `app` TO `app`@`%`', 'app', '%')).toBe('GRANT `app` TO {account}')
    expect(normaliseGrant('SET DEFAULT ROLE `r` FOR `app`@`%`', 'app', '%')).toBe(
      'SET DEFAULT ROLE `r` FOR {account}',
    )
    // Another account's line is left as it is.
    expect(normaliseGrant('GRANT SELECT ON *.* TO `apple`@`%`', 'app', '%')).toBe(
      'GRANT SELECT ON *.* TO `apple`@`%`',
    )
  })

  it('rewrites a grant for the clone without copying the password hash', () => {
    expect(rewriteGrant(usage, 'app', 'app_clone', '%')).toBe(
      'GRANT USAGE ON *.* TO `app_clone`@`%` WITH MAX_USER_CONNECTIONS 5',
    )
    expect(
      rewriteGrant(
        'GRANT SELECT, INSERT ON `db`.* TO `app`@`%` WITH GRANT OPTION',
        'app',
        'c',
        '%',
      ),
    ).toBe('GRANT SELECT, INSERT ON `db`.* TO `c`@`%` WITH GRANT OPTION')
  })

  it('replays the USAGE line first and SET DEFAULT ROLE last', () => {
    expect(
      replayOrder([
        'SET DEFAULT ROLE `r` FOR x',
        'GRANT `r` TO x',
        'GRANT USAGE ON *.* TO x',
        'GRANT SELECT ON `d`.* TO x',
      ]),
    ).toEqual([
      'GRANT USAGE ON *.* TO x',
      'GRANT `r` TO x',
      'GRANT SELECT ON `d`.* TO x',
      'SET DEFAULT ROLE `r` FOR x',
    ])
  })

  it('turns normalised grants into the statements that undo them', () => {
    const c = '`c`@`%`'
    expect(
      revokeStatements('GRANT USAGE ON *.* TO {account} WITH MAX_USER_CONNECTIONS 5', c),
    ).toEqual([])
    expect(revokeStatements('GRANT SELECT, INSERT ON `db`.* TO {account}', c)).toEqual([
      'REVOKE SELECT, INSERT ON `db`.* FROM `c`@`%`',
    ])
    expect(
      revokeStatements('GRANT INSERT (`id`) ON `db`.`t` TO {account} WITH GRANT OPTION', c),
    ).toEqual([
      'REVOKE INSERT (`id`) ON `db`.`t` FROM `c`@`%`',
      'REVOKE GRANT OPTION ON `db`.`t` FROM `c`@`%`',
    ])
    expect(revokeStatements('GRANT EXECUTE ON PROCEDURE `db`.`p` TO {account}', c)).toEqual([
      'REVOKE EXECUTE ON PROCEDURE `db`.`p` FROM `c`@`%`',
    ])
    expect(revokeStatements('GRANT `role` TO {account} WITH ADMIN OPTION', c)).toEqual([
      'REVOKE `role` FROM `c`@`%`',
    ])
    expect(revokeStatements('SET DEFAULT ROLE `role` FOR {account}', c)).toEqual([
      'SET DEFAULT ROLE NONE FOR `c`@`%`',
    ])
  })

  it('escapes LIKE wildcards in database-level grant targets', () => {
    expect(grantDatabasePattern('app_db')).toBe('`app\\_db`')
    expect(grantDatabasePattern('plain')).toBe('`plain`')
  })
})
