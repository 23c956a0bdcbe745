/** One record of a CSV file: its fields, and the line (1-based) it starts on. */
export interface CsvRecord {
  readonly line: number
  readonly fields: ReadonlyArray<string>
  /** Set when the record breaks RFC 4180 in a way a reader can point at (text after a closing quote). */
  readonly problem?: string
}

/** The records of a CSV file, or why the file cannot be read at all. */
export type CsvParse = { readonly records: ReadonlyArray<CsvRecord> } | { readonly error: string }

const newlinesIn = (text: string): number => {
  let count = 0
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index)
    if (char === 10 || (char === 13 && text.charCodeAt(index + 1) !== 10)) count += 1
  }
  return count
}

/**
 * Parses CSV as RFC 4180 writes it (https://www.rfc-editor.org/rfc/rfc4180): comma-separated fields; a field in
 * double quotes may hold commas, quotes (doubled: `""`) and line breaks; records end with CRLF, LF or a lone CR;
 * a last line break is optional. Lenient where the RFC leaves room and readers expect it: a quote inside an unquoted
 * field is kept as a character. Text after a closing quote (`"a"b`) marks that record with a `problem`; an unclosed
 * quote makes the whole file unreadable (it would swallow every line after it), so it is an `error`.
 * Records keep every field as written (no trimming); blank lines come back as a record with one empty field.
 */
export const parseCsv = (text: string): CsvParse => {
  const records: CsvRecord[] = []
  const length = text.length
  let fields: string[] = []
  let field = ''
  let atFieldStart = true
  let line = 1
  let recordLine = 1
  let problem: string | undefined
  let index = 0

  const endRecord = () => {
    fields.push(field)
    records.push(problem === undefined ? { line: recordLine, fields } : { line: recordLine, fields, problem })
    fields = []
    field = ''
    problem = undefined
    atFieldStart = true
  }

  while (index < length) {
    const char = text.charCodeAt(index)
    if (atFieldStart && char === 34 /* " */) {
      const startLine = line
      let value = ''
      let cursor = index + 1
      let closed = false
      while (cursor <= length) {
        const quote = text.indexOf('"', cursor)
        if (quote === -1) break
        value += text.slice(cursor, quote)
        if (text.charCodeAt(quote + 1) === 34) {
          value += '"'
          cursor = quote + 2
          continue
        }
        cursor = quote + 1
        closed = true
        break
      }
      if (!closed) return { error: `unterminated quoted field starting on line ${startLine}` }
      line += newlinesIn(value)
      field = value
      index = cursor
      atFieldStart = false
      const next = text.charCodeAt(index)
      if (index < length && next !== 44 && next !== 10 && next !== 13) {
        problem ??= `text after the closing quote of field ${fields.length + 1}`
      }
      continue
    }
    if (char === 44 /* , */) {
      fields.push(field)
      field = ''
      atFieldStart = true
      index += 1
      continue
    }
    if (char === 10 || char === 13) {
      endRecord()
      index += char === 13 && text.charCodeAt(index + 1) === 10 ? 2 : 1
      line += 1
      recordLine = line
      continue
    }
    // A run of plain characters up to the next separator.
    let end = index + 1
    while (end < length) {
      const next = text.charCodeAt(end)
      if (next === 44 || next === 10 || next === 13) break
      end += 1
    }
    field += text.slice(index, end)
    atFieldStart = false
    index = end
  }
  // A last record without a line break; nothing after a final line break.
  if (!(atFieldStart && fields.length === 0 && field === '')) endRecord()
  return { records }
}
