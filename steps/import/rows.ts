import { parseCsv } from './csv'

/** The formats an import understands, as the report names them. */
export type ImportFormat = 'csv' | 'json' | 'unknown'

/** A row of an import, before validation: the line it is on and the order it holds, or why it holds none. */
export type ImportRow =
  { readonly line: number; readonly value: unknown } | { readonly line: number; readonly problem: string }

/** What reading a file yields: its rows, or why the file as a whole cannot be read. */
export type ImportRows =
  | { readonly format: ImportFormat; readonly rows: ReadonlyArray<ImportRow> }
  | { readonly format: ImportFormat; readonly error: string }

/** The format a key names by its extension (case-insensitive). */
export const formatOfKey = (key: string): ImportFormat => {
  const extension = /\.([^./]+)$/.exec(key)?.[1]?.toLowerCase()
  return extension === 'csv' ? 'csv' : extension === 'json' ? 'json' : 'unknown'
}

/** The columns of an orders CSV, by the lower-cased name a header may spell them with. */
const Columns = {
  orderid: 'orderId',
  customerid: 'customerId',
  currency: 'currency',
  totalamount: 'totalAmount',
  items: 'items',
  sku: 'sku',
  quantity: 'quantity',
  unitprice: 'unitPrice',
} as const
type Column = (typeof Columns)[keyof typeof Columns]

const NumberPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** A number cell as a number; anything else stays the text it is, so the contract names it ("Expected number, actual "12abc""). */
const numberOrText = (cell: string): number | string => (NumberPattern.test(cell) ? Number(cell) : cell)

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * The rows of an orders CSV. Accepted:
 * - a header row first, naming columns in any order and any letter case: `customerId` and `currency` (required),
 *   `orderId` (optional; absent or empty: the import derives one), and the lines of the order as `totalAmount`,
 *   `items` (a JSON array of `{sku, quantity, unitPrice}`), and/or `sku`, `quantity`, `unitPrice` (a one-item order);
 *   other columns are ignored;
 * - RFC 4180 quoting (see `parseCsv`), CRLF or LF line ends, a UTF-8 byte order mark;
 * - blank lines, which are skipped and not counted as rows.
 * Cells are trimmed and an empty cell is an absent value. A row with more or fewer fields than the header, with both
 * `items` and `sku`/`quantity`/`unitPrice`, or with malformed `items` JSON is rejected with that reason.
 */
export const csvRows = (text: string): ImportRows => {
  const parsed = parseCsv(text)
  if ('error' in parsed) return { format: 'csv', error: `malformed CSV: ${parsed.error}` }
  const records = parsed.records.filter((record) => !(record.fields.length === 1 && record.fields[0].trim() === ''))
  const [header, ...data] = records
  if (header === undefined) return { format: 'csv', error: 'the file is empty' }

  const positions = new Map<Column, number>()
  for (const [position, name] of header.fields.entries()) {
    const column = Columns[name.trim().toLowerCase() as keyof typeof Columns] as Column | undefined
    if (column === undefined) continue
    if (positions.has(column)) return { format: 'csv', error: `the header names the column ${column} twice` }
    positions.set(column, position)
  }
  const missing = (['customerId', 'currency'] as const).filter((column) => !positions.has(column))
  if (missing.length > 0) {
    return {
      format: 'csv',
      error: `not an orders CSV: the header row must name ${missing.join(' and ')} (found: ${header.fields.map((name) => name.trim()).join(', ')})`,
    }
  }
  const itemColumns = (['sku', 'quantity', 'unitPrice'] as const).filter((column) => positions.has(column))
  if (itemColumns.length > 0 && itemColumns.length < 3) {
    return { format: 'csv', error: 'a one-item order needs all three columns sku, quantity and unitPrice' }
  }
  if (!positions.has('totalAmount') && !positions.has('items') && itemColumns.length === 0) {
    return {
      format: 'csv',
      error: 'not an orders CSV: the header row must name totalAmount, items, or sku, quantity and unitPrice',
    }
  }

  const width = header.fields.length
  const rows = data.map((record): ImportRow => {
    const { line } = record
    if (record.problem !== undefined) return { line, problem: `malformed CSV: ${record.problem}` }
    if (record.fields.length !== width)
      return { line, problem: `has ${record.fields.length} fields, the header has ${width}` }
    const cell = (column: Column) => {
      const position = positions.get(column)
      return position === undefined ? '' : record.fields[position].trim()
    }
    const value: Record<string, unknown> = { customerId: cell('customerId'), currency: cell('currency') }
    if (cell('orderId') !== '') value.orderId = cell('orderId')
    if (cell('totalAmount') !== '') value.totalAmount = numberOrText(cell('totalAmount'))
    const oneItem = itemColumns.some((column) => cell(column) !== '')
    if (cell('items') !== '') {
      if (oneItem) return { line, problem: 'give items or sku, quantity and unitPrice, not both' }
      try {
        value.items = JSON.parse(cell('items'))
      } catch (error) {
        return { line, problem: `items: malformed JSON: ${messageOf(error)}` }
      }
    } else if (oneItem) {
      const item: Record<string, unknown> = {}
      if (cell('sku') !== '') item.sku = cell('sku')
      if (cell('quantity') !== '') item.quantity = numberOrText(cell('quantity'))
      if (cell('unitPrice') !== '') item.unitPrice = numberOrText(cell('unitPrice'))
      value.items = [item]
    }
    return { line, value }
  })
  return { format: 'csv', rows }
}

/**
 * The rows of an orders JSON file: an array of orders, or an object `{"orders": [...]}`. Each order has the fields
 * of a `POST /orders` body, plus an optional `orderId`. A row's `line` is its position in the array, from 1.
 */
export const jsonRows = (text: string): ImportRows => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return { format: 'json', error: `malformed JSON: ${messageOf(error)}` }
  }
  const orders = Array.isArray(parsed)
    ? parsed
    : typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { orders?: unknown }).orders)
      ? (parsed as { orders: unknown[] }).orders
      : undefined
  if (orders === undefined)
    return { format: 'json', error: 'expected a JSON array of orders or an object {"orders": [...]}' }
  return { format: 'json', rows: orders.map((value, index) => ({ line: index + 1, value })) }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads the rows of an uploaded file: the extension names the format (`.csv` or `.json`) and the content must agree
 * (UTF-8 text, and then CSV with an orders header, or JSON of the right shape). Anything else is an `error` naming why.
 */
export const readRows = (key: string, body: Uint8Array): ImportRows => {
  const format = formatOfKey(key)
  if (format === 'unknown')
    return { format, error: `unsupported file type: name the file .csv or .json (got ${key.split('/').pop()})` }
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return { format, error: 'the file is not UTF-8 text' }
  }
  if (text.includes('\u0000')) return { format, error: 'the file is binary, not text' }
  if (text.trim() === '') return { format, error: 'the file is empty' }
  return format === 'csv' ? csvRows(text) : jsonRows(text)
}
