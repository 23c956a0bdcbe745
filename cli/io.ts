/** A stream a command writes to: `process.stdout`/`process.stderr` in the launcher, a string buffer in tests. */
export interface Output {
  write(chunk: string): unknown
  /** True when a person is watching: progress bars redraw in place and statuses are coloured. */
  readonly isTTY?: boolean
  /** Terminal width, when known. */
  readonly columns?: number
}

/** Everything a command touches outside itself, so `main` runs the same in the launcher and in tests. */
export interface Io {
  readonly stdout: Output
  readonly stderr: Output
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The real process's streams and environment. */
export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env })
