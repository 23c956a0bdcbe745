import { Schema } from 'effect'

/** A rejected row of an import: its line in the file (1-based, the header is line 1 of a CSV) and why. */
export const RejectedRow = Schema.Struct({ line: Schema.Int, reason: Schema.String })

/** The report an import writes to `reports/{key}.json`. */
export const ImportReport = Schema.Struct({
  key: Schema.String,
  etag: Schema.String,
  format: Schema.Literal('csv', 'json', 'unknown'),
  rows: Schema.Int,
  accepted: Schema.Int,
  rejected: Schema.Array(RejectedRow),
  error: Schema.optional(Schema.String),
  completedAt: Schema.String,
})
export type ImportReport = typeof ImportReport.Type
