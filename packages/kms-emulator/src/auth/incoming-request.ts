import type { IncomingHttpHeaders } from 'node:http'

/** What signature verification needs from an HTTP request. */
export interface IncomingApiRequest {
  method: string
  pathname: string
  /** Query-string parameters, decoded. */
  query: Record<string, string>
  /** Form-body parameters, decoded (empty unless the body is `application/x-www-form-urlencoded`). */
  form: Record<string, string>
  headers: IncomingHttpHeaders
  body: Buffer
}
