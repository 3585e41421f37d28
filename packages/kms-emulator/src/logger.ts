/**
 * Where the emulator reports what it does. Fields never contain a secret value or a password.
 * Every method is optional; the library default is silent.
 */
export interface EmulatorLogger {
  info?(message: string, fields?: Record<string, unknown>): void
  warn?(message: string, fields?: Record<string, unknown>): void
  error?(message: string, fields?: Record<string, unknown>): void
}
