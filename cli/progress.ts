import { formatBytes, formatDuration, formatTime } from './format'
import type { Output } from './io'
import type { Replay } from '../contracts/replays'

/** What `upload` reports while it works; all of it goes to stderr so stdout stays the result. */
export interface UploadProgress {
  /** A file's bytes are about to be sent. */
  started(file: string, bytes: number): void
  /** A file's upload ended: `outcome` is a short word such as `uploaded` or `rejected (413)`. */
  finished(file: string, bytes: number, outcome: string): void
  /** With --wait: how many uploads have a final status so far. */
  waiting(settled: number, total: number): void
  /** Writes something elsewhere (a result line on stdout) without tearing the bar. */
  above(write: () => void): void
  /** Removes the bar; call once, also on failure. */
  end(): void
}

export interface Totals {
  readonly files: number
  readonly bytes: number
}

/** A redrawn bar when stderr is a terminal, else one plain line per file (logs and CI keep a readable record). */
export const uploadProgress = (stream: Output, totals: Totals, now: () => number = Date.now): UploadProgress =>
  stream.isTTY === true ? new TerminalProgress(stream, totals, now) : new LineProgress(stream, totals)

class LineProgress implements UploadProgress {
  private done = 0
  private announcedWait = false
  private readonly stream: Output
  private readonly totals: Totals

  constructor(stream: Output, totals: Totals) {
    this.stream = stream
    this.totals = totals
  }

  started(): void {}

  finished(file: string, bytes: number, outcome: string): void {
    this.done += 1
    this.stream.write(`[${this.done}/${this.totals.files}] ${file} (${formatBytes(bytes)}) ${outcome}\n`)
  }

  waiting(_settled: number, total: number): void {
    if (this.announcedWait) return
    this.announcedWait = true
    this.stream.write(`waiting for ${total} upload${total === 1 ? '' : 's'} to be processed\n`)
  }

  above(write: () => void): void {
    write()
  }

  end(): void {}
}

const BarWidth = 24
const ClearLine = '\r\x1b[2K'

/** One line on a terminal, redrawn in place and cut to its width; what is written above it never tears it. */
class StatusLine {
  private text: string | undefined

  constructor(private readonly stream: Output) {}

  show(text: string): void {
    const width = Math.max(20, (this.stream.columns || 80) - 1)
    this.stream.write(`${ClearLine}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`)
    this.text = text
  }

  above(write: () => void): void {
    if (this.text !== undefined) this.stream.write(ClearLine)
    write()
    if (this.text !== undefined) this.show(this.text)
  }

  clear(): void {
    if (this.text !== undefined) this.stream.write(ClearLine)
    this.text = undefined
  }
}

class TerminalProgress implements UploadProgress {
  private filesDone = 0
  private bytesDone = 0
  private current = ''
  private phase: 'upload' | 'wait' = 'upload'
  private settled = 0
  private waitTotal = 0
  private waitStartedAt = 0
  private ticker: ReturnType<typeof setInterval> | undefined
  private readonly line: StatusLine
  private readonly totals: Totals
  private readonly now: () => number

  constructor(stream: Output, totals: Totals, now: () => number) {
    this.line = new StatusLine(stream)
    this.totals = totals
    this.now = now
  }

  started(file: string): void {
    this.current = file
    this.draw()
  }

  finished(_file: string, bytes: number): void {
    this.filesDone += 1
    this.bytesDone += bytes
    this.current = ''
    this.draw()
  }

  waiting(settled: number, total: number): void {
    if (this.phase === 'upload') {
      this.phase = 'wait'
      this.waitStartedAt = this.now()
      // Redraw each second so the elapsed time moves; unref'd so it never holds the process open.
      this.ticker = setInterval(() => this.draw(), 1000)
      this.ticker.unref?.()
    }
    this.settled = settled
    this.waitTotal = total
    this.draw()
  }

  above(write: () => void): void {
    this.line.above(write)
  }

  end(): void {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = undefined
    this.line.clear()
  }

  private draw(): void {
    const text =
      this.phase === 'upload'
        ? `${bar(this.totals.bytes > 0 ? this.bytesDone / this.totals.bytes : this.filesDone / Math.max(1, this.totals.files))} ` +
          `${this.filesDone}/${this.totals.files} files  ${formatBytes(this.bytesDone)}/${formatBytes(this.totals.bytes)}` +
          (this.current ? `  ${this.current}` : '')
        : `${bar(this.settled / Math.max(1, this.waitTotal))} ${this.settled}/${this.waitTotal} processed  ` +
          `waiting ${Math.floor((this.now() - this.waitStartedAt) / 1000)}s`
    this.line.show(text)
  }
}

const bar = (fraction: number): string => {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BarWidth)
  return `[${'█'.repeat(filled)}${'░'.repeat(BarWidth - filled)}]`
}

/**
 * How far a replay got, in words: `40/40 replayed` where events are counted (the local runtime), `replayed up to
 * 2024-05-01 12:59:58` where only the last replayed event's time is known (EventBridge), else undefined.
 */
export const replayedText = (view: Replay): string | undefined => {
  if (view.total !== undefined && view.replayed !== undefined) return `${view.replayed}/${view.total} replayed`
  return view.lastReplayedAt ? `replayed up to ${formatTime(view.lastReplayedAt)}` : undefined
}

/** The share of a replay done, 0 to 1: by count, else by how far into its window the last replayed event is. */
export const replayFraction = (view: Replay): number => {
  if (view.state === 'COMPLETED') return 1
  if (view.total !== undefined && view.replayed !== undefined) return view.total > 0 ? view.replayed / view.total : 0
  const from = Date.parse(view.from)
  const span = Date.parse(view.to) - from
  const at = view.lastReplayedAt ? Date.parse(view.lastReplayedAt) : Number.NaN
  return Number.isFinite(at) && span > 0 ? Math.min(1, Math.max(0, (at - from) / span)) : 0
}

/** What `replay` reports while it waits for a replay to end; on stderr, like upload's progress. */
export interface ReplayProgress {
  /** The replay's latest view, from the start answer or a poll. */
  update(view: Replay): void
  /** Removes the bar (a terminal) or writes the closing line (a log); call once, also on failure. */
  end(): void
}

/** A redrawn bar of replayed/total when stderr is a terminal, else a line when the replay starts and one when it ends. */
export const replayProgress = (stream: Output, now: () => number = Date.now): ReplayProgress =>
  stream.isTTY === true ? new TerminalReplayProgress(stream, now) : new LineReplayProgress(stream, now)

const endedStates: ReadonlySet<string> = new Set(['COMPLETED', 'CANCELLED', 'FAILED'])

class LineReplayProgress implements ReplayProgress {
  private last: Replay | undefined
  private readonly startedAt: number
  private readonly stream: Output
  private readonly now: () => number

  constructor(stream: Output, now: () => number) {
    this.stream = stream
    this.now = now
    this.startedAt = now()
  }

  update(view: Replay): void {
    if (this.last === undefined) {
      const rules =
        view.rules === null || view.rules === undefined
          ? 'every rule of its bus'
          : `rule${view.rules.length === 1 ? '' : 's'} ${view.rules.join(', ')}`
      this.stream.write(
        `replay ${view.name} ${view.state}: archive ${view.archive}, ${formatTime(view.from)} to ${formatTime(view.to)}, to ${rules}\n`,
      )
    }
    this.last = view
  }

  end(): void {
    const view = this.last
    // Only an ended replay gets a closing line: after an error the command's own message says what happened.
    if (view === undefined || !endedStates.has(view.state)) return
    const counted = view.total !== undefined && view.replayed !== undefined
    const done = counted
      ? `${view.replayed}/${view.total} events replayed`
      : view.lastReplayedAt
        ? `events replayed up to ${formatTime(view.lastReplayedAt)}`
        : 'no event replayed'
    this.stream.write(`replay ${view.name} ${view.state}: ${done} in ${formatDuration(this.now() - this.startedAt)}\n`)
  }
}

class TerminalReplayProgress implements ReplayProgress {
  private readonly line: StatusLine
  private readonly startedAt: number
  private readonly now: () => number

  constructor(stream: Output, now: () => number) {
    this.line = new StatusLine(stream)
    this.now = now
    this.startedAt = now()
  }

  update(view: Replay): void {
    const fraction = replayFraction(view)
    const counted = view.total !== undefined && view.replayed !== undefined
    const done = counted ? `${view.replayed}/${view.total} replayed` : `${Math.round(fraction * 100)}% of the window`
    this.line.show(
      `${bar(fraction)} ${done}  ${view.state}  ${formatDuration(this.now() - this.startedAt)}  ${view.name}`,
    )
  }

  end(): void {
    this.line.clear()
  }
}

/** What `queue send` reports while it sends; on stderr, like upload's progress. */
export interface SendProgress {
  /** One more message was sent. */
  sent(): void
  /** Writes something elsewhere (a result line on stdout) without tearing the bar. */
  above(write: () => void): void
  /** Removes the bar; call once, also on failure. */
  end(): void
}

/** Above this many messages a terminal gets a bar; a few messages' own lines say enough. */
export const SendProgressThreshold = 20

/** A redrawn bar of sent/total when stderr is a terminal and there are more than 20 messages; else nothing at all. */
export const sendProgress = (stream: Output, total: number): SendProgress =>
  stream.isTTY === true && total > SendProgressThreshold
    ? new TerminalSendProgress(stream, total)
    : { sent: () => {}, above: (write) => write(), end: () => {} }

class TerminalSendProgress implements SendProgress {
  private done = 0
  private readonly line: StatusLine
  private readonly total: number

  constructor(stream: Output, total: number) {
    this.line = new StatusLine(stream)
    this.total = total
    this.draw()
  }

  sent(): void {
    this.done += 1
    this.draw()
  }

  above(write: () => void): void {
    this.line.above(write)
  }

  end(): void {
    this.line.clear()
  }

  private draw(): void {
    this.line.show(`${bar(this.done / Math.max(1, this.total))} ${this.done}/${this.total} messages sent`)
  }
}
