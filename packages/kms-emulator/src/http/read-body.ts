import type { IncomingMessage } from 'node:http'
import { invalidParameter } from '../internal/api-errors.js'

/** Largest request body accepted; KMS requests carry parameters in the query string. */
export const MAX_BODY_BYTES = 1_048_576

/** Reads the whole body, rejecting bodies above {@link MAX_BODY_BYTES}. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        failed = true
        reject(invalidParameter('body', `the request body exceeds ${MAX_BODY_BYTES} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks))
    })
    req.on('error', (err) => {
      if (!failed) {
        failed = true
        reject(err)
      }
    })
  })
}

/** Parses an `application/x-www-form-urlencoded` body; other bodies yield no parameters. */
export function parseForm(contentType: string | undefined, body: Buffer): Record<string, string> {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) return {}
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')))
}
