import { formatBytes } from './format'
import type { Output } from './io'

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

class TerminalProgress implements UploadProgress {
  private filesDone = 0
  private bytesDone = 0
  private current = ''
  private phase: 'upload' | 'wait' = 'upload'
  private settled = 0
  private waitTotal = 0
  private waitStartedAt = 0
  private ticker: ReturnType<typeof setInterval> | undefined
  private shown = false
  private readonly stream: Output
  private readonly totals: Totals
  private readonly now: () => number

  constructor(stream: Output, totals: Totals, now: () => number) {
    this.stream = stream
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
    if (this.shown) this.stream.write(ClearLine)
    write()
    if (this.shown) this.draw()
  }

  end(): void {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = undefined
    if (this.shown) this.stream.write(ClearLine)
    this.shown = false
  }

  private draw(): void {
    const line =
      this.phase === 'upload'
        ? `${bar(this.totals.bytes > 0 ? this.bytesDone / this.totals.bytes : this.filesDone / Math.max(1, this.totals.files))} ` +
          `${this.filesDone}/${this.totals.files} files  ${formatBytes(this.bytesDone)}/${formatBytes(this.totals.bytes)}` +
          (this.current ? `  ${this.current}` : '')
        : `${bar(this.settled / Math.max(1, this.waitTotal))} ${this.settled}/${this.waitTotal} processed  ` +
          `waiting ${Math.floor((this.now() - this.waitStartedAt) / 1000)}s`
    const width = Math.max(20, (this.stream.columns || 80) - 1)
    this.stream.write(`${ClearLine}${line.length > width ? `${line.slice(0, width - 1)}…` : line}`)
    this.shown = true
  }
}

const bar = (fraction: number): string => {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BarWidth)
  return `[${'█'.repeat(filled)}${'░'.repeat(BarWidth - filled)}]`
}
