import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { FaultPlan } from '../../../infra/local/lambda/faults'
import { createPipelineServer } from '../../../infra/local/http/server'
import { startRuntime, type LocalRuntime } from '../../../infra/local/runtime'
import { configFromEnv } from '../../../steps/services/config'
import { pipelineModel } from '../../support/pipeline'

export interface InProcessPipeline {
  readonly url: string
  readonly runtime: LocalRuntime
  readonly close: () => Promise<void>
}

/** The real runtime and HTTP server in this process, with fault injection and scaled retry waits. */
export const startInProcess = async (
  options: { faults?: FaultPlan; retryScale?: number; concurrency?: number; queueVisibilityMs?: number } = {},
): Promise<InProcessPipeline> => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-reliability-'))
  const runtime = startRuntime({
    dataDir,
    config: configFromEnv({}),
    model: pipelineModel(),
    concurrency: options.concurrency ?? 4,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.retryScale ? { retryScale: options.retryScale } : {}),
    ...(options.queueVisibilityMs ? { queueVisibilityMs: options.queueVisibilityMs } : {}),
  })
  const server = createPipelineServer(runtime, { maxUploadBytes: 8 * 1024 * 1024 })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await runtime.stop(10_000)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Waits until the runtime has nothing left to do; bounded by the test's timeout. Two quiet looks in a row, since a finishing step may still enqueue work. */
export const drained = async (runtime: LocalRuntime): Promise<void> => {
  for (let quietLooks = 0; quietLooks < 2;) {
    await runtime.executor.idle()
    quietLooks = runtime.isQuiet() ? quietLooks + 1 : 0
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Runs `work` over `items` with at most `limit` at once, keeping the results in order. */
export const mapLimited = async <T, R>(
  items: ReadonlyArray<T>,
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** Prefixes an assertion failure with the seed, so the failing run can be replayed. */
export const withSeed = async (seed: number, assess: () => void | Promise<void>): Promise<void> => {
  try {
    await assess()
  } catch (error) {
    if (error instanceof Error)
      error.message = `(seed ${seed}; rerun with PIPELINE_FAULTS_SEED=${seed})\n${error.message}`
    throw error
  }
}
