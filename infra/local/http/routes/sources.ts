import type { IncomingMessage, ServerResponse } from 'node:http'
import { apiGatewayEvent } from '../../../../steps/api/event'
import { InvalidMessage, type QueueMessage } from '../../sqs/queues'
import { jsonDepth } from '../../../../steps/kit/json-depth'
import type { LocalRuntime } from '../../runtime'
import { readBytes, readText, sendJson } from '../../../http/respond'
import { HttpError } from '../../../http/errors'
import type { Router } from '../../../http/router'

/** JSON.stringify recurses: past a few thousand levels it overflows the stack. */
const MaxShownDepth = 256

/** The orders, users and search API, queues, schedules, dead letters and health. */
export const sourceRoutes = (router: Router, runtime: LocalRuntime): Router => {
  /** The request wrapped as API Gateway's payload 2.0 and handed to an API function, as its route on AWS does. */
  const callFunction =
    (name: string | undefined) =>
    async ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => {
      if (!name) throw new HttpError(404, 'NotFound', `This pipeline has no function for ${req.url ?? '/'}`)
      // API Gateway caps payloads at 10 MB; the function itself answers 413 past its own 256 KB limit.
      const body = await readBytes(req, 10 * 1024 * 1024)
      const event = apiGatewayEvent({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        ...(body.length > 0 ? { body } : {}),
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      })
      let answer: { statusCode: number; headers?: Record<string, string>; body?: string }
      try {
        answer = (await runtime.invokeFunction(name, event)) as typeof answer
      } catch (error) {
        // What API Gateway answers when its Lambda integration fails.
        console.error(
          `${req.method} ${req.url}: the API function failed:`,
          error instanceof Error ? error.message : error,
        )
        return sendJson(res, 500, { message: 'Internal Server Error' })
      }
      res.writeHead(answer.statusCode, answer.headers ?? {})
      res.end(answer.body ?? '')
    }
  const callApi = callFunction(runtime.apiFunction)
  const callSearch = callFunction(runtime.searchFunction)

  return (
    router
      .on('ANY', /^\/(orders|users)(\/.*)?$/, callApi)
      // The read side: the search and image routes of the HTTP API, answered by their own function as on AWS.
      .on('ANY', /^\/(search|images\/.+)$/, callSearch)
      .on('GET', /^\/health$/, ({ res }) => {
        // The process's memory, so a soak run can watch it from outside: resident set and V8 heap, in bytes. `idle`
        // is true when nothing is left to do: no execution, queue message, unread stream record or delivery waiting.
        const { rss, heapUsed } = process.memoryUsage()
        sendJson(res, 200, {
          status: 'ok',
          idle: runtime.isQuiet(),
          executions: runtime.executor.unfinished(),
          memory: { rss, heapUsed },
        })
      })
      .on('POST', /^\/queues\/([^/]+)\/messages$/, async ({ req, res, params }) => {
        const queue = runtime.queues.names.find(
          (name) => name.toLowerCase() === `${params[0]}queue`.toLowerCase() || name === params[0],
        )
        if (!queue)
          throw new HttpError(
            404,
            'QueueDoesNotExist',
            `No queue named ${params[0]} (queues: ${runtime.queues.names.filter((name) => !runtime.queues.isDeadLetterQueue(name)).join(', ')})`,
          )
        // The queue's own limit (SQS's 1 MiB by default), as SendMessage applies it: one code path for both.
        const body = await readText(req, runtime.queues.maximumMessageSize(queue))
        try {
          const { MessageId } = runtime.queues.send(queue, body)
          sendJson(res, 202, { queue, messageId: MessageId })
        } catch (error) {
          if (error instanceof InvalidMessage) throw new HttpError(400, 'InvalidMessage', `body: ${error.message}`)
          throw error
        }
      })
      .on('GET', /^\/schedules$/, ({ res }) => sendJson(res, 200, { schedules: runtime.scheduler.list }))
      .on('POST', /^\/schedules\/([^/]+)\/run$/, ({ res, params }) => {
        const executionArn = runtime.scheduler.runNow(params[0]!)
        if (!executionArn) throw new HttpError(404, 'ResourceNotFoundException', `No schedule named ${params[0]}`)
        sendJson(res, 202, { schedule: params[0], executionArn })
      })
      .on('GET', /^\/dlq$/, ({ res }) => {
        const queues = runtime.queues.names.filter((name) => runtime.queues.isDeadLetterQueue(name))
        // A body nested too deep to serialize (a poison message can be anything) is shown as the text it was sent as.
        const showable = (message: QueueMessage) =>
          jsonDepth(message.body, MaxShownDepth) > MaxShownDepth
            ? {
                ...message,
                body: (
                  runtime.db.prepare('SELECT body FROM queue_messages WHERE id = ?').get(message.id) as { body: string }
                ).body,
              }
            : message
        sendJson(res, 200, {
          queues: queues.map((name) => ({ name, messages: runtime.queues.messages(name).map(showable) })),
        })
      })
  )
}
