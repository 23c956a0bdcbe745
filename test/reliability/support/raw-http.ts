import { connect } from 'node:net'

export interface RawAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Parses an HTTP/1.1 answer read to the end of the connection (requests here always say `Connection: close`). */
const parseAnswer = (raw: Buffer): RawAnswer => {
  const text = raw.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  const head = end === -1 ? text : text.slice(0, end)
  const [statusLine = '', ...lines] = head.split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
  const headers = Object.fromEntries(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  )
  let body = end === -1 ? '' : raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'))
  if (headers['transfer-encoding'] === 'chunked' && typeof body !== 'string') body = dechunk(body)
  return { status, headers, body: typeof body === 'string' ? body : body.toString('utf8') }
}

const dechunk = (data: Buffer): Buffer => {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at)
    if (lineEnd === -1) break
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16)
    if (!size) break
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
  return Buffer.concat(parts)
}

/**
 * Sends bytes exactly as given (no URL normalization, no header validation, unlike fetch) and reads the answer.
 * `pace` sends the request in pieces, one every `everyMs`, to play a slow client.
 */
export const rawRequest = (
  url: string,
  request: string | Buffer,
  pace?: { readonly pieces: ReadonlyArray<Buffer | string>; readonly everyMs: number },
): Promise<RawAnswer & { readonly closedAfterMs: number }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const started = Date.now()
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    let timer: NodeJS.Timeout | undefined
    socket.on('connect', () => {
      socket.write(request)
      if (!pace) return
      let next = 0
      timer = setInterval(() => {
        if (next >= pace.pieces.length || socket.destroyed) return clearInterval(timer)
        socket.write(pace.pieces[next++]!)
      }, pace.everyMs)
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the server answered is how some refusals end; the answer read so far stands.
      if (chunks.length === 0 && error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error)
    })
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ ...parseAnswer(Buffer.concat(chunks)), closedAfterMs: Date.now() - started })
    })
  })

/** A request line and headers with `Connection: close`, and the body's length when it has one. */
export const httpRequest = (
  method: string,
  target: string,
  options: { readonly headers?: Readonly<Record<string, string>>; readonly body?: string | Buffer } = {},
): Buffer => {
  const body =
    options.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(options.body)
  const headers = {
    host: 'localhost',
    connection: 'close',
    ...(options.body === undefined ? {} : { 'content-length': String(body.length) }),
    ...options.headers,
  }
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`
  return Buffer.concat([Buffer.from(head, 'latin1'), body])
}
