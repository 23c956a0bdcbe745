import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { health, startChild, stopChild } from './child'

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

/** Resolves once the runtime reports no execution pending or running in `quietLooks` consecutive looks; the time it took. */
export const waitForDrain = async (url: string, timeoutMs: number, quietLooks = 3): Promise<number> => {
  const started = performance.now()
  for (let quiet = 0; quiet < quietLooks;) {
    if (performance.now() - started > timeoutMs) throw new Error(`not drained after ${timeoutMs} ms`)
    const { executions } = await health(url)
    quiet = !executions.pending && !executions.running ? quiet + 1 : 0
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return performance.now() - started
}
