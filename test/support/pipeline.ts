import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { AnyEvent } from '../../contracts/envelope'
import { configFromEnv } from '../../steps/services/config'
import { synthesizedPipeline } from './synthesized'
import type { AdmissionLimits } from '../../infra/local/http/admission'
import { createPipelineServer } from '../../infra/local/http/server'
import { startRuntime, type LocalRuntime } from '../../infra/local/runtime'
import { localModel, type LocalModel } from '../../infra/local/model/template'
import { WorkflowTag } from '../../contracts/executions'

let cachedModel: LocalModel | undefined
/** The model synthesized once per test file: the CDK app is the same for every test. */
export const pipelineModel = () => (cachedModel ??= localModel(synthesizedPipeline(), WorkflowTag))

export interface RunningPipeline {
  readonly url: string
  readonly runtime: LocalRuntime
  readonly dataDir: string
  /** Every event that reached a bus since the start, in order. */
  readonly events: Array<{ readonly bus: string; readonly event: AnyEvent }>
  readonly close: (options?: { keepData?: boolean }) => Promise<void>
}

/** Starts the real local runtime and its HTTP server on an ephemeral port of 127.0.0.1, over a fresh data directory. */
export const startPipeline = async (
  options: {
    dataDir?: string
    maxUploadBytes?: number
    env?: NodeJS.ProcessEnv
    model?: LocalModel
    targetRetryBaseMs?: number
    queueVisibilityMs?: number
    admission?: AdmissionLimits
  } = {},
): Promise<RunningPipeline> => {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'pipeline-test-'))
  const runtime = startRuntime({
    dataDir,
    config: configFromEnv(options.env ?? {}),
    model: options.model ?? pipelineModel(),
    ...(options.targetRetryBaseMs === undefined ? {} : { targetRetryBaseMs: options.targetRetryBaseMs }),
    ...(options.queueVisibilityMs === undefined ? {} : { queueVisibilityMs: options.queueVisibilityMs }),
  })
  const events: RunningPipeline['events'] = []
  runtime.bus.onEvent((event, bus) => events.push({ bus, event }))
  const server = createPipelineServer(runtime, {
    maxUploadBytes: options.maxUploadBytes ?? 100 * 1024 * 1024,
    ...(options.admission ? { admission: options.admission } : {}),
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    dataDir,
    events,
    close: async ({ keepData = false } = {}) => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await runtime.stop(10_000)
      if (!keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface UploadAnswer {
  readonly status: number
  readonly body: { bucket?: string; key?: string; etag?: string; size?: number; error?: string; message?: string }
}

export const upload = async (
  url: string,
  key: string,
  body: Uint8Array,
  contentType = 'application/octet-stream',
): Promise<UploadAnswer> => {
  const response = await fetch(`${url}/uploads/${key.split('/').map(encodeURIComponent).join('/')}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': contentType },
  })
  return { status: response.status, body: (await response.json()) as UploadAnswer['body'] }
}

export const getJson = async <T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(url)
  return { status: response.status, body: (await response.json()) as T }
}

export const postJson = async <T = Record<string, unknown>>(
  url: string,
  body: unknown,
): Promise<{ status: number; body: T }> => {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  })
  return { status: response.status, body: (await response.json()) as T }
}

/** Waits until the runtime has nothing left to do: executions, queues read by functions, pipes and retries. */
export const settle = async (pipeline: RunningPipeline): Promise<void> => {
  // Bounded by the test's timeout; two quiet looks in a row, since a finishing step may still enqueue work.
  for (let quietLooks = 0; quietLooks < 2;) {
    await pipeline.runtime.executor.idle()
    quietLooks = pipeline.runtime.isQuiet() ? quietLooks + 1 : 0
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
