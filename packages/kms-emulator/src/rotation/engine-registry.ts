import type { DatabaseEngine, DatabaseServerConfig } from '../database/database-engine.js'
import { invalidParameter } from '../internal/api-errors.js'

/** Builds a {@link DatabaseEngine} for a declared database server. */
export type DatabaseEngineFactory = (config: DatabaseServerConfig) => DatabaseEngine

/**
 * The declared database instances (`DBInstanceId` → server). Engines are created on first use and
 * closed with the emulator.
 */
export class EngineRegistry {
  private readonly engines = new Map<string, DatabaseEngine>()

  constructor(
    private readonly configs: Readonly<Record<string, DatabaseServerConfig>>,
    private readonly factory: DatabaseEngineFactory,
  ) {}

  has(instanceId: string): boolean {
    return Object.hasOwn(this.configs, instanceId)
  }

  /** The engine of an instance; `InvalidParameter` for an undeclared `DBInstanceId`. */
  get(instanceId: string): DatabaseEngine {
    const existing = this.engines.get(instanceId)
    if (existing) return existing
    const config = Object.hasOwn(this.configs, instanceId) ? this.configs[instanceId] : undefined
    if (!config) {
      throw invalidParameter('DBInstanceId', `the instance "${instanceId}" does not exist`)
    }
    const engine = this.factory(config)
    this.engines.set(instanceId, engine)
    return engine
  }

  /** Closes every engine that was created. */
  async close(): Promise<void> {
    const all = [...this.engines.values()]
    this.engines.clear()
    await Promise.allSettled(all.map((e) => e.close()))
  }
}
