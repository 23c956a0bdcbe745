import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'

export const projectRoot = path.resolve(__dirname, '..', '..')

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
export const startServer = (
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: ReadonlyArray<string> } = {},
): Promise<BenchServer> => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-bench-'))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'infra/local/main.ts'], {
      cwd: projectRoot,
      env: { ...process.env, ...options.env, PORT: '0', HOST: '127.0.0.1', PIPELINE_DATA: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolve({ url: match[1]!, dataDir, child, stop })
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', (code) => {
      if (!/running at/.test(output)) {
        rmSync(dataDir, { recursive: true, force: true })
        reject(new Error(`the pipeline exited with ${code} before serving:\n${output}`))
      }
    })
  })
}

/** Resolves once the runtime reports no execution pending or running in `quietLooks` consecutive looks; the time it took. */
export const waitForDrain = async (url: string, timeoutMs: number, quietLooks = 3): Promise<number> => {
  const started = performance.now()
  for (let quiet = 0; quiet < quietLooks;) {
    if (performance.now() - started > timeoutMs) throw new Error(`not drained after ${timeoutMs} ms`)
    const health = (await (await fetch(`${url}/health`)).json()) as { executions: Record<string, number> }
    quiet = !health.executions.pending && !health.executions.running ? quiet + 1 : 0
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return performance.now() - started
}
