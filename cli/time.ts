import { UsageError } from './errors'

/** What `--from` and `--to` accept, for `--help` and error messages. */
export const TimeHelp =
  'an ISO 8601 time (2024-05-01T12:00:00Z, 2024-05-01) or a duration ago (30s, 15m, 2h, 1d, 1w), or now'

const Units: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

const Relative = /^(\d+)\s*([smhdw])$/i
/** A calendar date, optionally a time (seconds and fraction optional) and a zone; without a zone the time is local. */
const Iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * Reads a time flag's value as epoch ms: ISO 8601 (a date alone is midnight UTC, as JavaScript reads it; a time
 * without a zone is local), a duration before `now` like `15m`, or `now`. Anything else is a usage error naming `flag`.
 */
export const parseTime = (raw: string, flag: string, now: number = Date.now()): number => {
  const text = raw.trim()
  if (text.toLowerCase() === 'now') return now
  const relative = Relative.exec(text)
  if (relative) return now - Number(relative[1]) * (Units[(relative[2] ?? 's').toLowerCase()] ?? 1000)
  const iso = Iso.exec(text)
  if (iso) {
    const [, year, month, day, hour, minute, second] = iso.map(Number)
    // Date.parse rolls 2024-02-30 over into March and takes hour 24; refuse what is not on the calendar or the clock.
    const calendar = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1))
    const onCalendar =
      calendar.getUTCFullYear() === year && calendar.getUTCMonth() + 1 === month && calendar.getUTCDate() === day
    const onClock =
      iso[4] === undefined || ((hour ?? 0) < 24 && (minute ?? 0) < 60 && (iso[6] === undefined || (second ?? 0) < 60))
    const at = Date.parse(text.replace(' ', 'T'))
    if (onCalendar && onClock && Number.isFinite(at)) return at
  }
  throw new UsageError(`${flag} must be ${TimeHelp} (got ${raw})`)
}

/** An optional time flag, as the ISO text the server takes. */
export const isoTime = (raw: string | undefined, flag: string, now?: number): string | undefined =>
  raw === undefined ? undefined : new Date(parseTime(raw, flag, now)).toISOString()
