import type { DatabaseEngine, DatabaseServerConfig } from '../database/database-engine.js'
import { KmsEmulatorError } from '../errors.js'
import { invalidParameter } from '../internal/api-errors.js'

/** Builds a {@link DatabaseEngine} for a declared database server. */
export type DatabaseEngineFactory = (config: DatabaseServerConfig) => DatabaseEngine

/**
 * The declared database instances (`DBInstanceId` → engine). Engines are built at start-up, so a
 * bad server config fails `startKmsEmulator`; they connect lazily and close with the emulator.
 */
export class EngineRegistry {
  private readonly engines = new Map<string, DatabaseEngine>()

  constructor(
    configs: Readonly<Record<string, DatabaseServerConfig>>,
    factory: DatabaseEngineFactory,
  ) {
    for (const [instanceId, config] of Object.entries(configs)) {
      try {
        this.engines.set(instanceId, factory(config))
      } catch (cause) {
        throw new KmsEmulatorError(
          'INVALID_OPTIONS',
          `database ${instanceId}: ${cause instanceof Error ? cause.message : 'invalid config'}`,
          { cause },
        )
      }
    }
  }

  has(instanceId: string): boolean {
    return this.engines.has(instanceId)
  }

  /** The engine of an instance; `InvalidParameter` for an undeclared `DBInstanceId`. */
  get(instanceId: string): DatabaseEngine {
    const engine = this.engines.get(instanceId)
    if (!engine) {
      throw invalidParameter('DBInstanceId', `the instance "${instanceId}" does not exist`)
    }
    return engine
  }

  /** Closes every engine. */
  async close(): Promise<void> {
    const all = [...this.engines.values()]
    this.engines.clear()
    await Promise.allSettled(all.map((e) => e.close()))
  }
}
