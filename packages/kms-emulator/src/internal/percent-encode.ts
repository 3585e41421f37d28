/**
 * RFC 3986 encoding as both Alibaba Cloud signature versions define it: `encodeURIComponent`
 * plus `!'()*`, which it leaves alone.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}
