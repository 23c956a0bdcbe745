import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { consoleRoutes, patternParam, statusParam } from '../../../../infra/console/routes'
import { limitParam, textParam, timeParam } from '../../../../infra/http/params'
import { type ConsoleData, type ExecutionQuery } from '../../../../infra/console/port'
import { HttpError } from '../../../../infra/http/errors'
import { sendError } from '../../../../infra/http/respond'
import { Router } from '../../../../infra/http/router'

const url = (query: string) => new URL(`http://localhost/console/api/executions?${query}`)

const refusal = (work: () => unknown): { status: number; message: string } | undefined => {
  try {
    work()
    return undefined
  } catch (error) {
    return error instanceof HttpError ? { status: error.status, message: error.message } : undefined
  }
}

describe('console query parameters', () => {
  it('reads valid values', () => {
    expect(timeParam(url('from=2026-03-01T10:00:00%2B02:00'), 'from')).toBe('2026-03-01T08:00:00.000Z')
    expect(timeParam(url('from=1767225600000'), 'from')).toBe('2026-01-01T00:00:00.000Z')
    expect(limitParam(url('limit=200'))).toBe(200)
    expect(statusParam(url('status=failed'))).toBe('FAILED')
    expect(patternParam(url(`pattern=${encodeURIComponent('{"source":["aws.s3"]}')}`))).toEqual({ source: ['aws.s3'] })
    expect(textParam(url('q='), 'q')).toBeUndefined()
  })

  it.each([
    ['a time that is not one', () => timeParam(url('from=tomorrow'), 'from'), 'from: must be an ISO 8601 time'],
    ['a limit of 0', () => limitParam(url('limit=0')), 'limit: must be an integer from 1 to 200'],
    ['a limit with a fraction', () => limitParam(url('limit=1.5')), 'limit: must be an integer from 1 to 200'],
    [
      'an unknown status',
      () => statusParam(url('status=DONE')),
      'status: must be one of PENDING, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED',
    ],
    ['a pattern that is not JSON', () => patternParam(url('pattern={')), 'pattern: must be an event pattern as JSON'],
    ['a text over its length', () => textParam(url(`q=${'x'.repeat(201)}`), 'q', 200), 'q: at most 200 characters'],
    ['a parameter given twice', () => textParam(url('workflow=a&workflow=b'), 'workflow'), 'workflow: give it once'],
  ])('refuse %s with a 400 naming the field', (_name, work, message) => {
    expect(refusal(work)).toEqual({ status: 400, message })
  })
})

describe('console routes', () => {
  let server: Server
  let base: string
  const asked: ExecutionQuery[] = []
  // Only what these routes call is answered; the rest of the port is never reached here.
  const data = {
    target: 'local',
    executions: async (query: ExecutionQuery) => {
      asked.push(query)
      return { items: [], next: 'abc' }
    },
    execution: async (name: string) => {
      throw new HttpError(404, 'ExecutionDoesNotExist', `No execution ${name}`)
    },
    redriveExecution: async () => {
      throw new HttpError(409, 'ExecutionNotRedrivable', 'Execution x is SUCCEEDED')
    },
    upload: async (key: string, body: Uint8Array) => {
      uploaded.push(key)
      return { bucket: 'uploads', key, size: body.byteLength }
    },
  } as unknown as ConsoleData
  const uploaded: string[] = []

  beforeAll(async () => {
    const router = consoleRoutes(new Router(), data, { maxUploadBytes: 1024 })
    server = createServer((req, res) => {
      router
        .handle(req, res)
        .catch((error: unknown) =>
          sendError(res, error instanceof HttpError ? error : new HttpError(500, 'InternalError', 'failed')),
        )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/console/api`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it('hands the port the validated query and answers its page', async () => {
    const response = await fetch(
      `${base}/executions?workflow=ImageWorkflow&status=failed&from=2026-03-01&q=cat&limit=10&cursor=abc`,
    )

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ executions: [], next: 'abc' })
    expect(asked.at(-1)).toEqual({
      workflow: 'ImageWorkflow',
      status: 'FAILED',
      from: '2026-03-01T00:00:00.000Z',
      text: 'cat',
      limit: 10,
      cursor: 'abc',
    })
  })

  it('answers 400 naming the field before asking the port', async () => {
    const before = asked.length
    const response = await fetch(`${base}/executions?from=2026-03-02&to=2026-03-01`)

    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'InvalidParameter', message: 'from: must not be after to' })
    expect(asked.length).toBe(before)
  })

  it.each([
    ['GET', 'executions/x', 404, 'ExecutionDoesNotExist'],
    ['POST', 'executions/x/redrive', 409, 'ExecutionNotRedrivable'],
  ])('answers a port refusal on %s %s with its status and code', async (method, route, status, code) => {
    const response = await fetch(`${base}/${route}`, { method })

    expect(response.status).toBe(status)
    expect(await response.json()).toMatchObject({ error: code })
  })

  it.each([
    ['at the limit', 1024, 201],
    ['one byte over the limit', 1025, 413],
  ])('takes an upload %s the server was given (the same limit as every way in)', async (_name, size, status) => {
    const before = uploaded.length
    const response = await fetch(`${base}/uploads/uploads/limit.jpg`, { method: 'PUT', body: new Uint8Array(size) })

    expect(response.status).toBe(status)
    expect(uploaded.length - before).toBe(status === 201 ? 1 : 0)
  })
})
