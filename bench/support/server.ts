import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { health, isIdle, startChild, stopChild } from './child'

export interface BenchServer {
  readonly url: string
  readonly dataDir: string
  readonly child: ChildProcess
  /** SIGTERM, wait for the exit, remove the data directory. */
  readonly stop: () => Promise<void>
}

/**
 * `npm start`'s program as a child process on a free port with a fresh data directory, configured as a user runs
 * it (no benchmark-only settings), so the load generator and the server never share an event loop or a core budget
 * they would not share in use. `nodeArgs` adds flags such as `--cpu-prof`.
 */
export const startServer = async (
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: ReadonlyArray<string> } = {},
): Promise<BenchServer> => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-bench-'))
  try {
    const running = await startChild(dataDir, options.env, options.nodeArgs)
    const stop = async () => {
      await stopChild(running)
      rmSync(dataDir, { recursive: true, force: true })
    }
    return { url: running.url, dataDir, child: running.child, stop }
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}

/** Resolves once the runtime reports itself idle (`/health`) in `quietLooks` consecutive looks; the time it took. */
export const waitForDrain = async (url: string, timeoutMs: number, quietLooks = 3): Promise<number> => {
  const started = performance.now()
  for (let quiet = 0; quiet < quietLooks;) {
    if (performance.now() - started > timeoutMs) throw new Error(`not drained after ${timeoutMs} ms`)
    quiet = isIdle(await health(url)) ? quiet + 1 : 0
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return performance.now() - started
}

/** The server's resident memory over a run, in bytes: at the start, the highest seen, and at the last look. */
export interface MemoryFigures {
  readonly startRss: number
  readonly peakRss: number
  readonly endRss: number
}

/**
 * Samples the server's RSS from `/health` (reads are never shed) every `everyMs` until `stop`, which answers the
 * figures with one last look. A look that fails (the server busy past its answer) is skipped, not counted as zero.
 */
export const sampleMemory = async (url: string, everyMs = 250) => {
  const look = async () => {
    try {
      return (await health(url)).memory?.rss
    } catch {
      return undefined
    }
  }
  const startRss = (await look()) ?? 0
  let peakRss = startRss
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const rss = await look()
      if (rss !== undefined) peakRss = Math.max(peakRss, rss)
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    stop: async (): Promise<MemoryFigures> => {
      stopped = true
      await loop
      const endRss = (await look()) ?? peakRss
      return { startRss, peakRss: Math.max(peakRss, endRss), endRss }
    },
  }
}
