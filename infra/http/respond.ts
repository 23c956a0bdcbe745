import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from './errors'

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

export const sendError = (res: ServerResponse, error: HttpError) => {
  if (res.headersSent) return res.destroy()
  const fields = error.fields.length > 0 ? { fields: error.fields } : {}
  sendJson(res, error.status, { error: error.code, message: error.message, ...fields }, error.headers)
}

/** Reads a body up to `limit` bytes (413 past it). */
export const readBytes = async (req: IncomingMessage, limit: number): Promise<Buffer> => {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new HttpError(413, 'PayloadTooLarge', `The body is over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

export const readText = async (req: IncomingMessage, limit: number): Promise<string> =>
  (await readBytes(req, limit)).toString('utf8')

/** Reads a small JSON body (for control routes), refusing another content type, what is too large, or what is not JSON. */
export const readJson = async (req: IncomingMessage, limit = 256 * 1024): Promise<unknown> => {
  const type = req.headers['content-type']
  if (type !== undefined && !/^application\/json\b/i.test(type))
    throw new HttpError(415, 'UnsupportedMediaType', `content-type: expected application/json, got ${type}`)
  const text = await readText(req, limit)
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'MalformedJson', 'The body is not valid JSON')
  }
}
