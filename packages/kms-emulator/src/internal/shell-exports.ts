/** `export NAME='value'` lines for a POSIX shell (`eval "$(kms-emulator --print-env …)"`). */
export function shellExports(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(
    ([name, value]) => `export ${name}='${value.replaceAll("'", "'\\''")}'`,
  )
}
