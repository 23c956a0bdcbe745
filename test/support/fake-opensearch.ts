import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as the fake received it, for assertions on exactly what a client sent. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly body: unknown
  readonly authorization: string | undefined
}

type Json = Record<string, unknown>
interface Field {
  readonly type: string
  readonly analyzer?: string
  readonly normalizer?: string
}
interface Index {
  readonly fields: ReadonlyMap<string, Field>
  readonly strict: boolean
  readonly analysis: Json
  readonly docs: Map<string, { version: number; source: Json }>
  /** Versions of deleted documents, as `index.gc_deletes` keeps them for a while. */
  readonly tombstones: Map<string, number>
}

const folded = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()

/**
 * A stand-in for an OpenSearch domain over HTTP, for the subset of the REST API the search adapter uses: create index
 * (settings with pattern tokenizers, lowercase and asciifolding filters, custom normalizers; strict mappings), index
 * and delete a document with `version_type=external`, `_mget`, and `_search` with `bool` (`must`, `filter`), `dis_max`,
 * `constant_score`, `term`, `prefix`, `sort` on `_score` and keyword fields, `search_after`, `size`, `_source` and
 * `version`. It answers with OpenSearch's status codes and error `type`s, refuses requests without a SigV4
 * `Authorization` header or whose `x-amz-content-sha256` does not match the body, and interprets the mapping it was
 * given rather than knowing the adapter's, so a wrong mapping or query fails here as it would on a domain.
 * It is not OpenSearch: relevance, refresh (it is real-time) and everything outside that subset are not imitated.
 */
export const startFakeOpenSearch = async () => {
  const indexes = new Map<string, Index>()
  const requests: RecordedRequest[] = []
  const failures: Array<{ status: number; type: string }> = []

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const error = (res: ServerResponse, status: number, type: string, reason: string) =>
    send(res, status, { error: { root_cause: [{ type, reason }], type, reason }, status })

  const analyze = (index: Index, field: string, value: unknown): string[] => {
    const mapping = index.fields.get(field)
    const values = (Array.isArray(value) ? value : [value]).filter((item) => item !== null && item !== undefined)
    if (!mapping) return values.map(String)
    if (mapping.type === 'keyword') {
      const normalizer = mapping.normalizer
        ? ((index.analysis.normalizer as Json)[mapping.normalizer] as { filter: string[] })
        : undefined
      return values.map((item) =>
        normalizer?.filter.includes('lowercase') ? String(item).toLowerCase() : String(item),
      )
    }
    if (mapping.type === 'text' && mapping.analyzer) {
      const analyzer = (index.analysis.analyzer as Json)[mapping.analyzer] as { tokenizer: string; filter: string[] }
      const tokenizer = (index.analysis.tokenizer as Json)[analyzer.tokenizer] as { type: string; pattern: string }
      if (tokenizer.type !== 'pattern') throw new Error(`fake OpenSearch: no ${tokenizer.type} tokenizer`)
      const separator = new RegExp(tokenizer.pattern, 'u')
      return values.flatMap((item) =>
        String(item)
          .split(separator)
          .filter(Boolean)
          .map((token) => {
            let out = token
            for (const filter of analyzer.filter) {
              if (filter === 'lowercase') out = out.toLowerCase()
              else if (filter === 'asciifolding') out = folded(out)
              else throw new Error(`fake OpenSearch: no ${filter} filter`)
            }
            return out
          }),
      )
    }
    return values.map(String)
  }

  /** The score of a document for a query, or undefined when it does not match. */
  const score = (index: Index, source: Json, query: Json): number | undefined => {
    const [kind, spec] = Object.entries(query)[0] as [string, Json]
    switch (kind) {
      case 'match_all':
        return 1
      case 'term': {
        const [field, raw] = Object.entries(spec)[0]!
        const value = typeof raw === 'object' && raw !== null ? (raw as Json).value : raw
        const wanted = index.fields.get(field)?.type === 'keyword' ? analyze(index, field, value)[0] : String(value)
        return analyze(index, field, source[field]).includes(wanted!) ? 1 : undefined
      }
      case 'prefix': {
        const [field, raw] = Object.entries(spec)[0]!
        const value = String(typeof raw === 'object' && raw !== null ? (raw as Json).value : raw)
        return analyze(index, field, source[field]).some((token) => token.startsWith(value)) ? 1 : undefined
      }
      case 'constant_score':
        return score(index, source, spec.filter as Json) === undefined ? undefined : Number(spec.boost ?? 1)
      case 'dis_max': {
        const scores = (spec.queries as Json[]).map((inner) => score(index, source, inner))
        const matched = scores.filter((value): value is number => value !== undefined)
        return matched.length === 0 ? undefined : Math.max(...matched)
      }
      case 'bool': {
        const list = (name: string) => (spec[name] === undefined ? [] : ([] as Json[]).concat(spec[name] as Json))
        let total = 0
        for (const inner of list('must')) {
          const value = score(index, source, inner)
          if (value === undefined) return undefined
          total += value
        }
        for (const inner of list('filter')) if (score(index, source, inner) === undefined) return undefined
        for (const inner of list('must_not')) if (score(index, source, inner) !== undefined) return undefined
        const matched = list('should')
          .map((inner) => score(index, source, inner))
          .filter((value): value is number => value !== undefined)
        // With no must or filter clause, a bool needs one should clause to match; otherwise none.
        const minimum =
          spec.minimum_should_match !== undefined
            ? Number(spec.minimum_should_match)
            : list('must').length + list('filter').length > 0
              ? 0
              : 1
        if (list('should').length > 0 && matched.length < minimum) return undefined
        return total + matched.reduce((sum, value) => sum + value, 0)
      }
      default:
        throw new Error(`fake OpenSearch: no ${kind} query`)
    }
  }

  const compare = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>, orders: ReadonlyArray<'asc' | 'desc'>) => {
    for (const [position, order] of orders.entries()) {
      const left = a[position] as string | number
      const right = b[position] as string | number
      if (left === right) continue
      return (left < right ? -1 : 1) * (order === 'asc' ? 1 : -1)
    }
    return 0
  }

  const search = (index: Index, body: Json) => {
    const sorts = ((body.sort as Json[] | undefined) ?? [{ _score: 'desc' }]).map((entry) => {
      const [field, order] = Object.entries(entry)[0]!
      return { field, order: (typeof order === 'string' ? order : (order as Json).order) as 'asc' | 'desc' }
    })
    const orders = sorts.map((entry) => entry.order)
    const hits = [...index.docs.entries()].flatMap(([id, doc]) => {
      const value = score(index, doc.source, (body.query as Json | undefined) ?? { match_all: {} })
      if (value === undefined) return []
      const sortValues = sorts.map((entry) => (entry.field === '_score' ? value : doc.source[entry.field]))
      return [{ id, doc, score: value, sortValues }]
    })
    hits.sort((a, b) => compare(a.sortValues, b.sortValues, orders))
    const after = body.search_after as unknown[] | undefined
    const from = after === undefined ? hits : hits.filter((hit) => compare(hit.sortValues, after, orders) > 0)
    const fields = body._source
    return {
      took: 1,
      timed_out: false,
      hits: {
        hits: from.slice(0, Number(body.size ?? 10)).map((hit) => ({
          _index: 'index',
          _id: hit.id,
          _score: sorts.some((entry) => entry.field === '_score') ? hit.score : null,
          ...(body.version === true ? { _version: hit.doc.version } : {}),
          ...(fields === false
            ? {}
            : {
                _source: Array.isArray(fields)
                  ? Object.fromEntries(fields.map((field: string) => [field, hit.doc.source[field]]))
                  : hit.doc.source,
              }),
          sort: hit.sortValues,
        })),
      },
    }
  }

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    const query = Object.fromEntries(url.searchParams)
    const body: Json | undefined = raw === '' ? undefined : (JSON.parse(raw) as Json)
    const authorization = req.headers.authorization
    requests.push({ method: req.method ?? '', path: decodeURIComponent(url.pathname), query, body, authorization })
    if (!authorization?.startsWith('AWS4-HMAC-SHA256 Credential=') || !authorization.includes('/es/aws4_request'))
      return error(res, 403, 'security_exception', 'no SigV4 signature for service es')
    if (req.headers['x-amz-content-sha256'] !== createHash('sha256').update(raw).digest('hex'))
      return error(res, 403, 'security_exception', 'the payload hash does not match the body')
    const failure = failures.shift()
    if (failure) return error(res, failure.status, failure.type, `injected ${failure.type}`)

    const [name, action, id] = url.pathname.split('/').slice(1).map(decodeURIComponent)
    const index = indexes.get(name ?? '')
    if (req.method === 'PUT' && action === undefined) {
      if (index) return error(res, 400, 'resource_already_exists_exception', `index [${name}] already exists`)
      const mappings = (body?.mappings ?? {}) as { dynamic?: string; properties?: Record<string, Field> }
      const settings = (body?.settings ?? {}) as { analysis?: Json }
      indexes.set(name!, {
        fields: new Map(Object.entries(mappings.properties ?? {})),
        strict: mappings.dynamic === 'strict',
        analysis: settings.analysis ?? {},
        docs: new Map(),
        tombstones: new Map(),
      })
      return send(res, 200, { acknowledged: true, shards_acknowledged: true, index: name })
    }
    if (!index) return error(res, 404, 'index_not_found_exception', `no such index [${name}]`)
    if (action === '_doc' && id !== undefined && (req.method === 'PUT' || req.method === 'DELETE')) {
      if (query.version_type !== 'external' || query.version === undefined)
        return error(res, 400, 'action_request_validation_exception', 'this fake takes external versions only')
      const version = Number(query.version)
      const current = index.docs.get(id)?.version ?? index.tombstones.get(id)
      if (current !== undefined && current >= version)
        return error(
          res,
          409,
          'version_conflict_engine_exception',
          `[${id}]: version conflict, current version [${current}] is higher or equal to the one provided [${version}]`,
        )
      if (req.method === 'DELETE') {
        const existed = index.docs.delete(id)
        index.tombstones.set(id, version)
        return send(res, existed ? 200 : 404, { _id: id, _version: version, result: existed ? 'deleted' : 'not_found' })
      }
      const unknown = Object.keys(body ?? {}).filter((field) => !index.fields.has(field))
      if (index.strict && unknown.length > 0)
        return error(res, 400, 'strict_dynamic_mapping_exception', `mapping set to strict, [${unknown[0]}] not allowed`)
      const created = !index.docs.has(id)
      index.tombstones.delete(id)
      index.docs.set(id, { version, source: body ?? {} })
      return send(res, created ? 201 : 200, { _id: id, _version: version, result: created ? 'created' : 'updated' })
    }
    if (action === '_mget') {
      const ids = ((body?.ids as string[] | undefined) ?? []).map(String)
      return send(res, 200, {
        docs: ids.map((docId) => {
          const doc = index.docs.get(docId)
          return doc
            ? { _index: name, _id: docId, _version: doc.version, found: true }
            : { _index: name, _id: docId, found: false }
        }),
      })
    }
    if (action === '_search') return send(res, 200, search(index, body ?? {}))
    return error(res, 400, 'illegal_argument_exception', `fake OpenSearch: no route for ${req.method} ${url.pathname}`)
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'))
      } catch (thrown) {
        error(res, 500, 'exception', thrown instanceof Error ? thrown.message : String(thrown))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    indexes,
    /** The next request is answered with this status and error type instead (429, 503, 403...). */
    failNext: (status: number, type: string) => void failures.push({ status, type }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export type FakeOpenSearch = Awaited<ReturnType<typeof startFakeOpenSearch>>
