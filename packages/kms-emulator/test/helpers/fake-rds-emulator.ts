import { type InitialSecret, type KmsEmulator, startKmsEmulator } from '../../src/index.js'
import { FakeDatabaseEngine } from './fake-database-engine.js'
import { ManualClock } from './manual-clock.js'

/** An emulator on a manual clock whose `rm-local` instance is an in-memory fake engine. */
export interface FakeRdsEmulator {
  clock: ManualClock
  engine: FakeDatabaseEngine
  emulator: KmsEmulator
}

/**
 * Starts an emulator with no scheduler (tests call `tick()`), a {@link ManualClock} and one fake
 * database instance `rm-local` holding the given accounts.
 */
export async function startFakeRdsEmulator(
  accounts: Record<string, string>,
  secrets: InitialSecret[] = [],
): Promise<FakeRdsEmulator> {
  const clock = new ManualClock()
  const engine = new FakeDatabaseEngine()
  for (const [account, password] of Object.entries(accounts)) engine.addAccount(account, password)
  const emulator = await startKmsEmulator({
    clock,
    schedulerIntervalMs: 0,
    databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
    databaseEngineFactory: engine.factory(),
    secrets,
  })
  return { clock, engine, emulator }
}
