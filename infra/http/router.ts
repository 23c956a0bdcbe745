import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from './errors'

export interface RouteContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly url: URL
  /** The path's variable part, percent-decoded. */
  readonly params: ReadonlyArray<string>
}

type Handler = (context: RouteContext) => Promise<void> | void

interface Route {
  readonly method: string
  readonly pattern: RegExp
  readonly handler: Handler
}

const decode = (raw: string) => {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new HttpError(400, 'InvalidPath', 'The path is not valid percent-encoding')
  }
}

/**
 * URL parsing resolves "." and ".." segments (%2e%2e too) and reads "\\" as "/", so `/uploads/a/%2e%2e/b.jpg` would
 * quietly become the key `uploads/b.jpg`: a path that spells either is refused as sent, before it is parsed.
 */
const checkRawPath = (target: string): void => {
  const rawPath = target.split('?')[0] ?? ''
  if (rawPath.includes('\\')) throw new HttpError(400, 'InvalidPath', 'path: must not contain backslashes')
  const dotSegment = rawPath.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment))
  if (dotSegment) throw new HttpError(400, 'InvalidPath', 'path: must not contain "." or ".." segments')
}

/** A small method-and-path router: 404 for an unknown path, 405 with `Allow` for a known path and another method. */
export class Router {
  private readonly routes: Route[] = []

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler })
    return this
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkRawPath(req.url ?? '/')
    const url = new URL(req.url ?? '/', 'http://localhost')
    const matching = this.routes.filter((route) => route.pattern.test(url.pathname))
    if (matching.length === 0) throw new HttpError(404, 'NotFound', `No route for ${url.pathname}`)
    const route = matching.find(
      (candidate) =>
        candidate.method === 'ANY' ||
        candidate.method === req.method ||
        (req.method === 'HEAD' && candidate.method === 'GET'),
    )
    if (!route) {
      const allow = [...new Set(matching.map((candidate) => candidate.method))].join(', ')
      throw new HttpError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${url.pathname}`, {
        headers: { allow },
      })
    }
    const match = route.pattern.exec(url.pathname)!
    await route.handler({ req, res, url, params: match.slice(1).map((raw) => decode(raw ?? '')) })
  }
}
