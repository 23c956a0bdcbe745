import { createServer, type Server } from 'node:http'
import { InvalidObjectKey } from '../s3/object-store'
import type { LocalRuntime } from '../runtime'
import { answerWhenDurable } from './durable-answers'
import { sendError } from '../../http/respond'
import { HttpError } from '../../http/errors'
import { Router } from '../../http/router'
import { eventRoutes } from './routes/events'
import { executionRoutes } from './routes/executions'
import { objectRoutes } from './routes/objects'
import { sourceRoutes } from './routes/sources'
import { mountConsole } from '../../console/server'
import type { ConsoleData } from '../../console/port'
import { localConsoleData } from '../console/local-console'
import { awsApi } from '../api/aws-api'
import { admissionGate, DefaultAdmissionLimits, type AdmissionLimits } from './admission'
import { refuseOverloaded } from './overloaded'
import { identifyAwsRequest } from '../api/identify'
import { awsServices } from '../api/services'

export interface ServerOptions {
  /** The largest upload accepted, in bytes; a larger body is answered 413 and nothing is stored. */
  readonly maxUploadBytes: number
  /**
   * How long a client may take to send a whole request (default two minutes): a slow or stalled body
   * (slowloris) is answered 408 and its connection closed, so it cannot hold a connection forever.
   */
  readonly requestTimeoutMs?: number
  /** When to refuse new work, so what is accepted is answered in time (`admission.ts`). */
  readonly admission?: AdmissionLimits
}

/** The local runtime's HTTP API: objects and images, executions, the bus and its archive, the API, queues and search. */
export const createPipelineServer = (runtime: LocalRuntime, options: ServerOptions): Server => {
  const router = new Router()
  objectRoutes(router, runtime, options.maxUploadBytes)
  executionRoutes(router, runtime)
  eventRoutes(router, runtime)
  sourceRoutes(router, runtime)
  // The console speaks AWS to this very server, as it speaks AWS to a deployed stack: its clients are made on the first
  // request, when the server knows where it listens. What AWS has no API for it reads from the runtime itself.
  let listeningOn: string | undefined
  let consoleData: ConsoleData | undefined
  const data = () => (consoleData ??= localConsoleData(runtime, listeningOn ?? 'http://127.0.0.1:3000'))
  mountConsole(router, onFirstUse(data), { maxUploadBytes: options.maxUploadBytes })
  const aws = awsApi(awsServices(runtime, { maxUploadBytes: options.maxUploadBytes }))

  const requestTimeout = options.requestTimeoutMs ?? 120_000
  // Node checks these timeouts on an interval (30 s by default): check often enough for the limit to mean something.
  const timeouts = {
    requestTimeout,
    headersTimeout: Math.min(30_000, requestTimeout),
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(requestTimeout / 4))),
  }
  const gate = admissionGate(options.admission ?? DefaultAdmissionLimits, () => runtime.executor.unfinished().pending)
  const server = createServer({ ...timeouts, maxHeaderSize: 16 * 1024 }, (req, res) => {
    // A signed request (or a JSON-protocol target) is an AWS API call: the AWS CLI and SDKs pointed at this endpoint.
    const awsRequest = identifyAwsRequest(req)
    const retryAfter = gate.refuse(req, awsRequest)
    if (retryAfter !== undefined) return refuseOverloaded(res, retryAfter, awsRequest?.service)
    answerWhenDurable(runtime.db, req, res)
    if (awsRequest) {
      aws(awsRequest, req, res).catch((error: unknown) => {
        console.error(`${req.method} ${req.url} failed:`, error)
        if (!res.headersSent) res.writeHead(500).end()
        else res.destroy()
      })
      return
    }
    router.handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendError(res, error)
      if (error instanceof InvalidObjectKey)
        return sendError(res, new HttpError(400, 'InvalidObjectKey', `key: ${error.message}`))
      console.error(`${req.method} ${req.url} failed:`, error)
      sendError(res, new HttpError(500, 'InternalError', 'The request failed inside the pipeline; see the server log'))
    })
  })
  // The links to objects the search API hands out point where this server listens (loopback for a wildcard address).
  server.on('listening', () => {
    const address = server.address()
    if (address === null || typeof address === 'string') return
    const host = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address
    listeningOn = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
    runtime.setPublicUrl(listeningOn)
  })
  return server
}

/** The console's port, made on its first use. */
const onFirstUse = (data: () => ConsoleData): ConsoleData => ({
  target: 'local',
  workflows: () => data().workflows(),
  workflow: (name) => data().workflow(name),
  executions: (query) => data().executions(query),
  execution: (nameOrArn) => data().execution(nameOrArn),
  redriveExecution: (nameOrArn) => data().redriveExecution(nameOrArn),
  startAgain: (nameOrArn) => data().startAgain(nameOrArn),
  events: (query) => data().events(query),
  event: (id) => data().event(id),
  startReplay: (request) => data().startReplay(request),
  replay: (name) => data().replay(name),
  deadLetters: () => data().deadLetters(),
  redriveDeadLetters: (queue, ids) => data().redriveDeadLetters(queue, ids),
  deleteDeadLetter: (queue, id) => data().deleteDeadLetter(queue, id),
  metrics: (window) => data().metrics(window),
  images: (query) => data().images(query),
  upload: (key, body, contentType) => data().upload(key, body, contentType),
})
