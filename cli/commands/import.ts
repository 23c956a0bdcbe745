import { basename, extname } from 'node:path'
import { ImportsPrefix, ReportsPrefix } from '../../contracts/sources'
import { defineCommand, parseTimeout } from '../args'
import type { ImportReport } from '../client'
import { formatBytes, json, paletteFor } from '../format'
import { readLocalFile } from '../json-file'
import { waitForReport } from '../wait'
import { UsageError } from '../errors'

const DefaultTimeoutSeconds = 300
/** How many rejected rows the text summary lists; --json has them all. */
const ShownRejections = 10

/** The import's final state: UPLOADED without --wait; IMPORTED, REJECTED (some rows), FAILED (the file) or TIMEOUT with it. */
export interface ImportResult {
  readonly file: string
  readonly key: string
  readonly reportKey: string
  readonly status: 'UPLOADED' | 'IMPORTED' | 'REJECTED' | 'FAILED' | 'TIMEOUT'
  readonly etag: string
  readonly size: number
  readonly report?: ImportReport
}

/** A hint for the server: the import workflow reads the file's content, whatever its type says. */
const contentTypes: Readonly<Record<string, string>> = {
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.ndjson': 'application/x-ndjson',
}

export const importCommand = defineCommand(
  {
    name: 'import',
    summary: 'upload a file of orders under imports/ and, with --wait, report its rows',
    positionals: { label: 'FILE', min: 1, max: 1 },
    options: {
      key: {
        type: 'string',
        placeholder: 'K',
        description:
          "put the file at imports/K (default: the file's name); K may hold / for folders, a leading imports/ is dropped",
      },
      wait: { type: 'boolean', description: "wait for the import's report and print its rows, accepted and rejected" },
      timeout: {
        type: 'string',
        placeholder: 'S',
        description: `with --wait, give up after S seconds (default ${DefaultTimeoutSeconds})`,
      },
      json: { type: 'boolean', description: 'print the result as JSON (with --wait, the whole report under "report")' },
    },
    description: `Uploads FILE (orders as CSV or JSON, one order per row) to imports/K: the upload starts the import
workflow, which places each valid row as an order and writes its report to reports/K.json. Without --wait,
prints the uploaded key. With --wait, polls the report until the one for this upload (same etag) appears:
  IMPORTED  imports/orders.csv  csv, 12 rows: 12 accepted
  REJECTED  imports/orders.csv  csv, 12 rows: 10 accepted, 2 rejected
    line 3: customerId: must not be empty
  FAILED    imports/notes.txt  the file could not be read: ...
Lists the first ${ShownRejections} rejected rows (all of them are in --json). Exits 0 when every row was accepted, 1 when
any row was rejected, the file could not be read, or no report came within the timeout.

Examples:
  pipeline import orders.csv --wait
  pipeline import june.json --key 2024/june.json --wait --timeout 60 --json`,
  },
  async ({ positionals, options }, { io, client }) => {
    const file = positionals[0] ?? ''
    const timeoutSeconds = parseTimeout(options.timeout, options.wait, DefaultTimeoutSeconds)
    const key = importKey(options.key ?? basename(file), options.key !== undefined)
    const bytes = await readLocalFile(file)
    const api = client()
    const receipt = await api.importFile(
      key,
      bytes,
      contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
    )
    const base = {
      file,
      key: receipt.key,
      reportKey: `${ReportsPrefix}${key}.json`,
      etag: receipt.etag,
      size: receipt.size,
    }
    let result: ImportResult = { ...base, status: 'UPLOADED' }
    if (options.wait) {
      io.stderr.write(
        `uploaded ${receipt.key} (${formatBytes(receipt.size)}); waiting for its report ${base.reportKey}\n`,
      )
      const report = await waitForReport(api, key, receipt, { deadline: Date.now() + timeoutSeconds * 1000 })
      result = report === undefined ? { ...base, status: 'TIMEOUT' } : { ...base, status: statusOf(report), report }
    }
    if (options.json) io.stdout.write(json(result))
    else io.stdout.write(render(result, timeoutSeconds, paletteFor(io.stdout, io.env).status))
    return result.status === 'UPLOADED' || result.status === 'IMPORTED' ? 0 : 1
  },
)

/** The key after `imports/`: segments that the URL would rewrite (empty, `.`, `..`) are refused before anything is sent. */
const importKey = (key: string, given: boolean): string => {
  const bare = key.startsWith(ImportsPrefix) ? key.slice(ImportsPrefix.length) : key
  if (bare === '' || bare.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new UsageError(
      `${given ? '--key' : 'the file name'} ${JSON.stringify(key)} makes the key ${ImportsPrefix}${bare}, which has an empty, "." or ".." path segment`,
    )
  }
  return bare
}

const statusOf = (report: ImportReport): ImportResult['status'] => {
  if (report.error !== undefined && report.error !== '') return 'FAILED'
  return report.rejected.length > 0 || report.accepted < report.rows ? 'REJECTED' : 'IMPORTED'
}

/** The summary line and, for rejected rows, one indented line each. */
const render = (result: ImportResult, timeoutSeconds: number, status: (text: string) => string): string => {
  const head = `${status(result.status.padEnd(8))}  ${result.key}  `
  const { report } = result
  if (result.status === 'UPLOADED') return `${head}${formatBytes(result.size)}\n`
  if (report === undefined)
    return `${head}no report after ${timeoutSeconds}s; see 'pipeline executions --key ${result.key}'\n`
  if (result.status === 'FAILED')
    return `${head}the file could not be read: ${(report.error ?? '').replace(/\s+/g, ' ').trim()}\n`
  const rejected = report.rejected.length
  const counts = `${report.format}, ${report.rows} row${report.rows === 1 ? '' : 's'}: ${report.accepted} accepted${rejected > 0 ? `, ${rejected} rejected` : ''}`
  const lines = report.rejected
    .slice(0, ShownRejections)
    .map((row) => `  line ${row.line}: ${row.reason.replace(/\s+/g, ' ').trim()}\n`)
  const more =
    rejected > ShownRejections ? `  ... and ${rejected - ShownRejections} more (--json lists them all)\n` : ''
  return `${head}${counts}\n${lines.join('')}${more}`
}
