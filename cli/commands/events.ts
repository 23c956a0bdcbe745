import { defineCommand, parseLimit } from '../args'
import { type ArchivedEvent, type PipelineClient } from '../client'
import { formatTime, json, table, terminalWidth, truncate } from '../format'
import { readPattern } from '../json-file'
import { isoTime } from '../time'
import { InvalidResponse, UsageError } from '../errors'

const DefaultLimit = 100
/** The most one page asks for: the runtime's list routes take a limit up to 1000. */
const PageSize = 1000

export const events = defineCommand(
  {
    name: 'events',
    summary: "list the bus's archived events",
    positionals: { label: '', min: 0, max: 0 },
    options: {
      from: {
        type: 'string',
        placeholder: 'T',
        description: 'only events at or after T: ISO 8601 or a duration ago (15m, 2h, 1d)',
      },
      to: { type: 'string', placeholder: 'T', description: 'only events before T, written like --from' },
      pattern: {
        type: 'string',
        placeholder: 'FILE',
        description: 'only events this event pattern (a JSON file) matches',
      },
      limit: { type: 'string', placeholder: 'N', description: `list at most N events (default ${DefaultLimit})` },
      json: { type: 'boolean', description: 'print the events as a JSON array (seq, bus, archive, replayName, event)' },
    },
    description: `Lists the events the local bus archived (and the ones replays re-delivered, marked "(replay NAME)"):
time (local), source, detail-type, id, and a summary of the detail (its object key, else its first short fields).
Times are ISO 8601 (2024-05-01T12:00:00Z; without a zone, local time) or a duration ago: 30s, 15m, 2h, 1d, 1w.
The pattern is checked before anything is sent; an invalid one exits 2 with EventBridge's reason.

Examples:
  pipeline events --from 1h
  pipeline events --from 2024-05-01T12:00:00Z --to 2024-05-01T13:00:00Z --pattern failed-images.json --json`,
  },
  async ({ options }, { io, client }) => {
    const now = Date.now()
    const from = isoTime(options.from, '--from', now)
    const to = isoTime(options.to, '--to', now)
    if (from !== undefined && to !== undefined && from > to)
      throw new UsageError(`--from (${from}) must not be after --to (${to})`)
    const limit = parseLimit(options.limit, DefaultLimit)
    const pattern =
      options.pattern === undefined ? undefined : JSON.stringify(await readPattern(options.pattern, '--pattern'))
    const { events: found, more } = await collect(client(), { from, to, pattern }, limit)
    if (more)
      io.stderr.write(
        `pipeline events: showing the first ${limit === 1 ? 'event' : `${limit} events`}; more match (raise --limit to see them)\n`,
      )
    if (options.json) {
      io.stdout.write(json(found))
      return 0
    }
    if (found.length === 0) {
      io.stdout.write('No events.\n')
      return 0
    }
    const rows = found.map(({ event, replayName }) => [
      formatTime(event.time),
      event.source ?? '-',
      event['detail-type'] ?? '-',
      event.id ?? '-',
      summarizeDetail(event.detail) + (replayName ? ` (replay ${replayName})` : ''),
    ])
    io.stdout.write(
      table(
        [{ header: 'TIME' }, { header: 'SOURCE' }, { header: 'DETAIL-TYPE' }, { header: 'ID' }, { header: 'SUMMARY' }],
        rows,
        { maxWidth: terminalWidth(io.stdout) },
      ),
    )
    return 0
  },
)

/**
 * Follows `next` from page to page until `limit` events are in. Each page asks for one event more than it still
 * needs: the server gives a `next` whenever a page is full, so only that extra event tells whether more match.
 */
const collect = async (
  api: PipelineClient,
  query: { readonly from: string | undefined; readonly to: string | undefined; readonly pattern: string | undefined },
  limit: number,
): Promise<{ readonly events: ReadonlyArray<ArchivedEvent>; readonly more: boolean }> => {
  const collected: ArchivedEvent[] = []
  let after: number | undefined
  for (;;) {
    const wanted = limit - collected.length
    const page = await api.listEvents({ ...query, limit: Math.min(wanted + 1, PageSize), after })
    collected.push(...page.events.slice(0, wanted))
    if (page.events.length > wanted) return { events: collected, more: true }
    const next = page.next ?? undefined
    if (next === undefined || page.events.length === 0) return { events: collected, more: false }
    // A next that does not move would page forever.
    if (next === after) throw new InvalidResponse(`GET /events answered next=${next} again`)
    after = next
  }
}

type Json = Readonly<Record<string, unknown>>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined
const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'

/** The SUMMARY column: the detail's `key` or `object.key` (S3's), else its first few short scalar fields as `name=value`. */
export const summarizeDetail = (detail: unknown): string => {
  if (typeof detail === 'string') return detail.trim() === '' ? '-' : truncate(detail, 80)
  if (!isObject(detail)) return detail === undefined || detail === null ? '-' : truncate(JSON.stringify(detail), 80)
  const key = text(detail.key) ?? (isObject(detail.object) ? text(detail.object.key) : undefined)
  if (key !== undefined) return key
  const fields = Object.entries(detail)
    .filter(
      (entry): entry is [string, string | number | boolean] => isScalar(entry[1]) && String(entry[1]).length <= 40,
    )
    .slice(0, 3)
    .map(([name, value]) => `${name}=${String(value).replace(/\s+/g, ' ')}`)
  return fields.length > 0 ? fields.join(' ') : '-'
}
