import { Array as Arr, Effect, Either, Schema } from 'effect'
import type { PutEventsEntry } from '../../contracts/envelope'
import { InvalidInput } from '../../contracts/errors'
import { ImportReport } from '../../contracts/imports'
import { OrderId, OrderLines, PlacedOrder } from '../../contracts/orders'
import { ObjectCreated } from '../../contracts/s3'
import { ImportsPrefix, OrderPlacedType, OrdersSource, ReportsPrefix } from '../../contracts/sources'
import { StepNames } from '../kit/catalog'
import { describeParseError } from '../orders/issues'
import { now } from '../services/clock'
import { PipelineConfig } from '../services/config'
import { EventPublisher } from '../services/event-publisher'
import { Ledger } from '../services/ledger'
import { ObjectStore } from '../services/object-store'
import { defineStep } from '../kit/step'
import { readRows } from './rows'
import { fieldsNestedTooDeep, nestedTooDeep } from '../kit/json-depth'

/** A row of an import: an order as `POST /orders` takes it, with its own id when the file gives one. */
export const ImportedOrder = Schema.extend(Schema.Struct({ orderId: Schema.optional(OrderId) }), OrderLines)
export type ImportedOrder = typeof ImportedOrder.Type

/** What the step answers (the import workflow's output). */
export interface ImportSummary {
  readonly reportKey: string
  readonly rows: number
  readonly accepted: number
  readonly rejected: number
  /** Why nothing was imported, when the file as a whole could not be read (also in the report). */
  readonly error?: string
  /** Set when a newer version replaced the object before this run read it: that version's own event imports it. */
  readonly superseded?: true
}

/** PutEvents takes at most 10 entries a call; each call is one ledger claim. */
export const ImportChunkSize = 10
/** Chunks in flight at once: a 10,000-row file is 1,000 PutEvents calls. */
const ChunkConcurrency = 8

/** `imports/2026/june.csv` reports to `reports/2026/june.csv.json`. */
export const reportKeyOf = (key: string) => `${ReportsPrefix}${key.slice(ImportsPrefix.length)}.json`

/** The id of a row that brings none: the same file version gives the same ids, so importing it twice places nothing new. */
export const importOrderId = (etag: string, line: number) => `imp-${etag.slice(0, 12)}-${line}`

/** The ledger key of one chunk of one file version. */
export const importChunkKey = (key: string, etag: string, chunkIndex: number) => `Import#${key}#${etag}#${chunkIndex}`

/** S3 events carry the etag bare while HeadObject quotes it; the pipeline keeps the bare form throughout. */
const unquote = (etag: string): string => etag.replace(/^"|"$/g, '')

const decodeRow = Schema.decodeUnknownEither(ImportedOrder, { errors: 'all', onExcessProperty: 'ignore' })
const encodePlaced = Schema.encodeSync(PlacedOrder)

/** The rows of a file, validated: each valid one as the order it places, each other one with its reason. */
const validateRows = (rows: ReturnType<typeof readRows>, etag: string, placedAt: string) => {
  const orders: PlacedOrder[] = []
  const rejected: Array<{ line: number; reason: string }> = []
  if ('error' in rows) return { orders, rejected }
  const firstLineOf = new Map<string, number>()
  for (const row of rows.rows) {
    if ('problem' in row) {
      rejected.push({ line: row.line, reason: row.problem })
      continue
    }
    // Decoding a deeply nested field overflows the stack while formatting its error: name it without decoding.
    const tooDeep =
      typeof row.value === 'object' && row.value !== null
        ? fieldsNestedTooDeep(row.value as Record<string, unknown>)
        : []
    if (tooDeep.length > 0) {
      rejected.push({ line: row.line, reason: tooDeep.map((name) => `${name}: ${nestedTooDeep}`).join('; ') })
      continue
    }
    const decoded = decodeRow(row.value)
    if (Either.isLeft(decoded)) {
      rejected.push({ line: row.line, reason: describeParseError(decoded.left) })
      continue
    }
    const { customerId, items, totalAmount, currency } = decoded.right
    const orderId = decoded.right.orderId ?? importOrderId(etag, row.line)
    const earlier = firstLineOf.get(orderId)
    if (earlier !== undefined) {
      rejected.push({ line: row.line, reason: `orderId "${orderId}" repeats the order on line ${earlier}` })
      continue
    }
    firstLineOf.set(orderId, row.line)
    orders.push({
      orderId,
      customerId,
      currency,
      origin: 'import',
      placedAt,
      ...(items === undefined ? {} : { items }),
      ...(totalAmount === undefined ? {} : { totalAmount }),
    })
  }
  return { orders, rejected }
}

/**
 * The `import-orders` step: a file uploaded under `imports/` places one `OrderPlaced` per valid row, and a report
 * goes to `reports/{name}.json` (see `readRows` for the formats, `ImportReport` for the report).
 *
 * - Rows are validated with the `OrderLines` contract (plus an optional `orderId`); a row without an id gets
 *   `imp-{etag[0..12]}-{line}`, and a row repeating an earlier row's id is rejected.
 * - Orders are published 10 a call; each call is guarded by a ledger claim on (key, etag, chunk) owned by the event's
 *   id, so a retried or re-delivered run publishes nothing twice, and a run restarted after a crash finishes the
 *   chunks it had claimed. A failed publish releases its claim and fails the step with `TransientError` (the
 *   workflow retries; completed chunks are skipped).
 * - A file that cannot be read (unknown extension, empty, not text, malformed JSON or CSV, wrong shape, deleted
 *   before it was read) gets a report with `error` and publishes nothing; it never fails the step.
 * - When a newer version replaced the object before it was read, this run imports nothing and writes no report:
 *   the newer version's event imports it, under its own etag.
 */
export const importOrders = defineStep({
  name: StepNames.importOrders,
  input: ObjectCreated,
  run: (event) =>
    Effect.gen(function* () {
      const { key } = event.detail.object
      // The trigger rule filters on the prefix already; a key outside it would mean a misrouted event.
      if (!key.startsWith(ImportsPrefix)) {
        return yield* Effect.fail(new InvalidInput({ message: `object key "${key}" is not under ${ImportsPrefix}` }))
      }
      const store = yield* ObjectStore
      const ledger = yield* Ledger
      const publisher = yield* EventPublisher
      const { busName } = yield* PipelineConfig
      const etag = unquote(event.detail.object.etag)
      const reportKey = reportKeyOf(key)
      const startedAt = yield* now

      // Read, then check the version that stands: if it is still the event's, the bytes read are that version.
      const body = yield* store.get(key).pipe(Effect.catchTag('ObjectNotFound', () => Effect.succeed(undefined)))
      const head =
        body === undefined
          ? undefined
          : yield* store.head(key).pipe(Effect.catchTag('ObjectNotFound', () => Effect.succeed(undefined)))
      if (head !== undefined && unquote(head.etag) !== etag) {
        const summary: ImportSummary = { reportKey, rows: 0, accepted: 0, rejected: 0, superseded: true }
        return summary
      }

      const rows =
        body === undefined || head === undefined
          ? { format: 'unknown' as const, error: `${key} no longer exists (deleted before it was imported)` }
          : readRows(key, body)
      const { orders, rejected } = validateRows(rows, etag, startedAt)

      const chunks = Arr.chunksOf(orders, ImportChunkSize)
      yield* Effect.forEach(
        chunks,
        (chunk, chunkIndex) => {
          const claimKey = importChunkKey(key, etag, chunkIndex)
          const entries: PutEventsEntry[] = chunk.map((order) => ({
            EventBusName: busName,
            Source: OrdersSource,
            DetailType: OrderPlacedType,
            Detail: JSON.stringify(encodePlaced(order)),
            Resources: [],
          }))
          return Effect.gen(function* () {
            if (!(yield* ledger.claim(claimKey, event.id))) return
            yield* publisher.publish(entries).pipe(Effect.tapError(() => ledger.release(claimKey, event.id)))
            yield* ledger.complete(claimKey)
          }).pipe(Effect.uninterruptible)
        },
        { concurrency: ChunkConcurrency, discard: true },
      )

      const report: ImportReport = {
        key,
        etag,
        format: rows.format,
        rows: orders.length + rejected.length,
        accepted: orders.length,
        rejected: [...rejected].sort((a, b) => a.line - b.line),
        ...('error' in rows ? { error: rows.error } : {}),
        completedAt: yield* now,
      }
      const encoded = Schema.encodeSync(ImportReport)(report)
      yield* store.put(reportKey, new TextEncoder().encode(`${JSON.stringify(encoded, null, 2)}\n`), 'application/json')
      const summary: ImportSummary = {
        reportKey,
        rows: report.rows,
        accepted: report.accepted,
        rejected: report.rejected.length,
        ...(report.error === undefined ? {} : { error: report.error }),
      }
      return summary
    }),
})
