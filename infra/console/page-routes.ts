import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import type { ServerResponse } from 'node:http'
import { HttpError } from '../http/errors'
import type { Router } from '../http/router'

interface Asset {
  readonly body: Buffer
  readonly gzipped: Buffer
  readonly contentType: string
}

interface BuiltPage {
  readonly html: Buffer
  readonly assets: ReadonlyMap<string, Asset>
}

const PageSources = path.join(__dirname, 'page')

/**
 * No inline script or style and nothing from another origin: thumbnails are served by the console's own server on
 * both targets. `data:` is only for the empty favicon, which keeps the browser from asking for one.
 */
export const ContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const securityHeaders = {
  'content-security-policy': ContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

const contentTypeOf = (file: string) =>
  file.endsWith('.js')
    ? 'text/javascript; charset=utf-8'
    : file.endsWith('.css')
      ? 'text/css; charset=utf-8'
      : 'application/octet-stream'

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

const pageHtml = (script: string, style: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipeline console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/${escapeAttribute(style)}">
<script type="module" src="/console/assets/${escapeAttribute(script)}"></script>
</head>
<body>
<header class="top">
<span class="brand">Pipeline console</span>
<nav aria-label="Console sections">
<ul>
<li><a href="#/executions">Executions</a></li>
<li><a href="#/events">Events</a></li>
<li><a href="#/dlq">Dead letters</a></li>
<li><a href="#/metrics">Metrics</a></li>
<li><a href="#/images">Images</a></li>
</ul>
</nav>
<span class="target" id="target"></span>
</header>
<main id="view" tabindex="-1"><p>Loading…</p></main>
<div id="status" class="visually-hidden" role="status" aria-live="polite"></div>
<noscript><p>The console needs JavaScript.</p></noscript>
</body>
</html>
`

/** One ES module (with lazily loaded chunks for the graph layout and the charts) and one stylesheet, names hashed. */
const buildPage = async (): Promise<BuiltPage> => {
  const result = await build({
    entryPoints: { console: path.join(PageSources, 'main.ts'), style: path.join(PageSources, 'console.css') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: path.join(PageSources, 'out'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    legalComments: 'eof',
    logLevel: 'silent',
  })
  const assets = new Map<string, Asset>()
  for (const file of result.outputFiles) {
    const name = path.basename(file.path)
    const body = Buffer.from(file.contents)
    assets.set(name, { body, gzipped: gzipSync(body), contentType: contentTypeOf(name) })
  }
  const names = [...assets.keys()]
  const script = names.find((name) => name.startsWith('console-') && name.endsWith('.js'))
  const style = names.find((name) => name.startsWith('style-') && name.endsWith('.css'))
  if (!script || !style) throw new Error(`The console build produced ${names.join(', ')}`)
  return { html: Buffer.from(pageHtml(script, style)), assets }
}

let built: Promise<BuiltPage> | undefined
/** Built once per process, on the first request; a failed build is tried again on the next one. */
const page = (): Promise<BuiltPage> => {
  built ??= buildPage().catch((error: unknown) => {
    built = undefined
    throw error
  })
  return built
}

const send = (
  res: ServerResponse,
  acceptEncoding: string | undefined,
  body: Buffer,
  gzipped: Buffer | undefined,
  headers: Record<string, string>,
) => {
  const compress = gzipped !== undefined && /\bgzip\b/.test(acceptEncoding ?? '') && gzipped.length < body.length
  const content = compress ? gzipped : body
  res.writeHead(200, {
    ...headers,
    ...securityHeaders,
    vary: 'accept-encoding',
    'content-length': String(content.length),
    ...(compress ? { 'content-encoding': 'gzip' } : {}),
  })
  res.end(content)
}

/** `GET /console` (the page) and `GET /console/assets/{file}` (its script chunks and stylesheet). */
export const pageRoutes = (router: Router): Router =>
  router
    .on('GET', /^\/console\/?$/, async ({ req, res }) => {
      const { html } = await page()
      // The page names its assets by content hash, so only the page itself must be revalidated.
      send(res, req.headers['accept-encoding'], html, undefined, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
      })
    })
    .on('GET', /^\/console\/assets\/([^/]+)$/, async ({ req, res, params }) => {
      const asset = (await page()).assets.get(params[0]!)
      if (!asset) throw new HttpError(404, 'NotFound', `No console asset named ${params[0]}`)
      send(res, req.headers['accept-encoding'], asset.body, asset.gzipped, {
        'content-type': asset.contentType,
        'cache-control': 'public, max-age=31536000, immutable',
      })
    })
