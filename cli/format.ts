import type { Io, Output } from './io'

/** `850ms`, `1.2s`, `2m 05s`, `1h 02m`: precise when short, coarse when long. */
export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms) || ms < 0) return '-'
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`
  const seconds = Math.floor(ms / 1000)
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`
}

/** The time from `start` to `stop`, or to `now` while still running; `-` when a date does not parse. */
export const durationBetween = (
  start: string | undefined,
  stop: string | undefined,
  now: number = Date.now(),
): number => {
  const from = start ? Date.parse(start) : Number.NaN
  const to = stop ? Date.parse(stop) : now
  return to - from
}

/** `512 B`, `12.3 KiB`, `4.0 MiB`. */
export const formatBytes = (bytes: number): string => {
  if (!Number.isFinite(bytes)) return '-'
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** An ISO timestamp as local `YYYY-MM-DD HH:MM:SS`; anything that does not parse is shown as it came. */
export const formatTime = (iso: string | undefined): string => {
  if (!iso) return '-'
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const two = (n: number) => String(n).padStart(2, '0')
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`
}

/** Cuts `text` to `max` characters with an ellipsis; one line only. */
export const truncate = (text: string, max: number): string => {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`
}

/** ANSI colours for statuses, only on a terminal and never when NO_COLOR is set (https://no-color.org). */
export interface Palette {
  readonly status: (status: string) => string
  readonly dim: (text: string) => string
}

export const paletteFor = (output: Output, env: Io['env']): Palette => {
  const enabled = output.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb'
  const paint = (code: string) => (text: string) => (enabled ? `\x1b[${code}m${text}\x1b[0m` : text)
  const green = paint('32')
  const red = paint('31')
  const yellow = paint('33')
  return {
    status: (status) => {
      const word = status.trim()
      if (
        word === 'SUCCEEDED' ||
        word === 'PROCESSED' ||
        word === 'UPLOADED' ||
        word === 'COMPLETED' ||
        word === 'IMPORTED' ||
        word === 'ACCEPTED' ||
        word === 'REDRIVEN'
      )
        return green(status)
      if (
        word === 'FAILED' ||
        word === 'REJECTED' ||
        word === 'TIMED_OUT' ||
        word === 'ABORTED' ||
        word === 'ERROR' ||
        word === 'CANCELLED'
      )
        return red(status)
      if (
        word === 'RUNNING' ||
        word === 'PENDING' ||
        word === 'CAUGHT' ||
        word === 'TIMEOUT' ||
        word === 'STARTING' ||
        word === 'CANCELLING' ||
        word === 'MOVING' ||
        word === 'PARTIAL'
      )
        return yellow(status)
      return status
    },
    dim: paint('2'),
  }
}

export interface Column {
  readonly header: string
  /** Applied after padding, so colour codes never throw the alignment off. */
  readonly style?: (padded: string) => string
}

/**
 * A plain-text table: one header line, columns two spaces apart, the last column unpadded. With `maxWidth`
 * (the terminal's width) the last column is cut to fit; piped output keeps it whole for grep.
 */
export const table = (
  columns: ReadonlyArray<Column>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly maxWidth?: number | undefined } = {},
): string => {
  const last = columns.length - 1
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? '').length)),
  )
  const fixed = widths.slice(0, last).reduce((sum, width) => sum + width + 2, 0)
  const lastWidth =
    options.maxWidth === undefined ? Number.POSITIVE_INFINITY : Math.max(20, options.maxWidth - fixed - 1)
  const line = (cells: ReadonlyArray<string>, styled: boolean) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? ''
        const padded =
          index === last
            ? cell.length > lastWidth
              ? truncate(cell, lastWidth)
              : cell
            : cell.padEnd(widths[index] ?? 0)
        return styled && column.style ? column.style(padded) : padded
      })
      .join('  ')
      .trimEnd()
  return (
    [
      line(
        columns.map((column) => column.header),
        false,
      ),
      ...rows.map((row) => line(row, true)),
    ].join('\n') + '\n'
  )
}

/** The width to fit tables to: the terminal's, or none when output is piped. */
export const terminalWidth = (output: Output): number | undefined =>
  output.isTTY === true ? output.columns || 100 : undefined

/** Aligned `Label  value` lines, skipping empty values. */
export const fields = (entries: ReadonlyArray<readonly [string, string | undefined]>): string => {
  const shown = entries.filter((entry): entry is readonly [string, string] => entry[1] !== undefined && entry[1] !== '')
  const width = Math.max(...shown.map(([label]) => label.length))
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n') + '\n'
}

/** Pretty JSON with a trailing newline, for `--json`. */
export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`
