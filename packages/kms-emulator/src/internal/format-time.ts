/** The service's timestamp format: ISO 8601 UTC without milliseconds (`2024-04-15T07:02:14Z`). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
