import { spawn, type ChildProcess } from 'node:child_process'
import * as path from 'node:path'

const root = path.resolve(__dirname, '..', '..')

export interface ChildPipeline {
  readonly child: ChildProcess
  readonly url: string
  /** Everything the process printed so far. */
  readonly output: () => string
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
}

/**
 * Starts `npm start`'s program as a child process on a free port of 127.0.0.1 and resolves once it serves. `nodeArgs`
 * adds flags such as `--cpu-prof`.
 */
export const startChild = (
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  nodeArgs: ReadonlyArray<string> = [],
): Promise<ChildPipeline> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'infra/local/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PIPELINE_DATA: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    let served = false
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match && !served) {
        served = true
        resolve({ child, url: match[1]!, output: () => output, exited })
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    void exited.then((code) => {
      if (!served) reject(new Error(`the server exited with ${code} before serving:\n${output}`))
    })
  })

export interface Health {
  readonly status: string
  /** Nothing left to do: no execution, queue message, unread stream record or delivery waiting. */
  readonly idle?: boolean
  readonly executions: { readonly pending?: number; readonly running?: number }
  readonly memory?: { readonly rss: number; readonly heapUsed: number }
}

export const health = async (url: string): Promise<Health> => (await (await fetch(`${url}/health`)).json()) as Health

/** Whether a health answer says the runtime has nothing left to do (stream records and queues included). */
export const isIdle = ({ idle, executions }: Health): boolean =>
  (idle ?? true) && !executions.pending && !executions.running

/** Waits until the runtime is idle, twice in a row; bounded by the caller's timeout. */
export const waitUntilIdle = async (url: string): Promise<void> => {
  for (let quietLooks = 0; quietLooks < 2;) {
    quietLooks = isIdle(await health(url)) ? quietLooks + 1 : 0
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Stops the child with SIGTERM (a graceful stop) and resolves with its exit code. */
export const stopChild = async (running: ChildPipeline): Promise<number | null> => {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM')
  return running.exited
}
