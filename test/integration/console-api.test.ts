import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type {
  DeadLetterQueueView,
  ExecutionDetail,
  ExecutionSummary,
  MetricsView,
  RedriveOutcome,
  StateDetail,
} from '../../infra/console/port'
import { main } from '../../cli/main'
import type { FaultPlan } from '../../infra/local/lambda/faults'
import { createPipelineServer } from '../../infra/local/http/server'
import { startRuntime, type LocalRuntime } from '../../infra/local/runtime'
import type { LocalModel } from '../../infra/local/model/template'
import { configFromEnv } from '../../steps/services/config'
import * as images from '../support/images'
import { pipelineModel } from '../support/pipeline'

interface Running {
  readonly url: string
  readonly runtime: LocalRuntime
  readonly dataDir: string
  readonly close: (options?: { keepData?: boolean }) => Promise<void>
}

/** The real runtime and HTTP server; retry waits scaled down so a transient failure exhausts its retries in milliseconds. */
const start = async (
  options: {
    dataDir?: string
    model?: LocalModel
    retryScale?: number
    queueVisibilityMs?: number
    faults?: FaultPlan
  } = {},
): Promise<Running> => {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'console-api-'))
  const runtime = startRuntime({
    dataDir,
    config: configFromEnv({}),
    model: options.model ?? pipelineModel(),
    ...(options.retryScale === undefined ? {} : { retryScale: options.retryScale }),
    ...(options.queueVisibilityMs === undefined ? {} : { queueVisibilityMs: options.queueVisibilityMs }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  })
  const server = createPipelineServer(runtime, { maxUploadBytes: 10 * 1024 * 1024 })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/console/api`,
    runtime,
    dataDir,
    close: async ({ keepData = false } = {}) => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await runtime.stop(50)
      if (!keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

const call = async <T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
  const response = await fetch(url, init)
  const text = await response.text()
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T }
}
const post = <T>(url: string, body?: unknown) =>
  call<T>(url, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  })

const put = async (pipeline: Running, key: string, bytes: Uint8Array, contentType: string) => {
  const answer = await call<{ key: string }>(`${pipeline.url}/uploads/${key}`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': contentType },
  })
  expect(answer.status).toBe(201)
  return answer.body
}

/** Waits on a condition, not a clock: the test's timeout bounds it. */
const until = async <T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> => {
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const finished = (pipeline: Running, subject: string, count = 1) =>
  until(async () => {
    const page = await call<{ executions: ExecutionSummary[] }>(
      `${pipeline.url}/executions?q=${encodeURIComponent(subject)}`,
    )
    const done = page.body.executions.filter((execution) => !['PENDING', 'RUNNING'].includes(execution.status))
    return done.length >= count && done.length === page.body.executions.length ? page.body.executions : undefined
  })

/** Runs the `pipeline` CLI against the running server, capturing what it prints. */
let cliUrl = ''
const cli = async (...argv: string[]) => {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: { PIPELINE_URL: cliUrl },
  })
  return { code, stdout, stderr }
}

const detail = async (pipeline: Running, name: string) =>
  (await call<ExecutionDetail>(`${pipeline.url}/executions/${encodeURIComponent(name)}`)).body
const outcomes = (states: ReadonlyArray<StateDetail>) =>
  Object.fromEntries(states.map((state) => [state.name, state.outcome]))
const invocationsOf = (runtime: LocalRuntime, fn: string) => {
  runtime.invocations.flush()
  return (runtime.db.prepare('SELECT COUNT(*) AS n FROM invocations WHERE function = ?').get(fn) as { n: number }).n
}

/** The image workflow with PersistImage failing the execution outright (no Catch), so RedriveExecution has a failed state to resume at. */
const uncaughtPersistModel = (): LocalModel => {
  const model = pipelineModel()
  return {
    ...model,
    stateMachines: model.stateMachines.map((machine) => {
      if (machine.name !== 'ImageWorkflow') return machine
      const definition = JSON.parse(JSON.stringify(machine.definition)) as {
        States: Record<string, Record<string, unknown>>
      }
      const persist = definition.States.PersistImage!
      delete persist.Catch
      persist.Retry = [{ ErrorEquals: ['TransientError'], IntervalSeconds: 2, MaxAttempts: 1 }]
      return { ...machine, definition }
    }),
  }
}

/** A transient fault at the table: PersistImage's write of a PROCESSED record fails until the trigger is dropped. */
const failProcessedWrites = (runtime: LocalRuntime) =>
  runtime.db.exec(
    "CREATE TRIGGER fail_processed BEFORE INSERT ON images WHEN new.status = 'PROCESSED' BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END",
  )
const healWrites = (runtime: LocalRuntime) => runtime.db.exec('DROP TRIGGER IF EXISTS fail_processed')

describe('console API over the local runtime', () => {
  let pipeline: Running
  beforeAll(async () => {
    pipeline = await start({ retryScale: 0.001, queueVisibilityMs: 20 })
    cliUrl = pipeline.url.replace(/\/console\/api$/, '')
  })
  afterAll(async () => {
    await pipeline.close()
  })

  it('lists the workflows and serves a definition', async () => {
    const list = await call<{ target: string; workflows: Array<{ name: string; type: string }> }>(
      `${pipeline.url}/workflows`,
    )
    expect(list.body.target).toBe('local')
    expect(list.body.workflows).toContainEqual(expect.objectContaining({ name: 'ImageWorkflow', type: 'STANDARD' }))
    const definition = await call<{ definition: { StartAt: string } }>(`${pipeline.url}/workflows/ImageWorkflow`)
    expect(definition.body.definition.StartAt).toBe('ValidateAndRender')
    expect((await call(`${pipeline.url}/workflows/Nope`)).status).toBe(404)
  })

  it('shows every state of a processed image as succeeded or not reached', async () => {
    await put(pipeline, 'good/photo.jpg', await images.jpeg(400, 300), 'image/jpeg')
    const [execution] = await finished(pipeline, 'uploads/good/photo.jpg')
    expect(execution!.status).toBe('SUCCEEDED')
    expect(execution!.workflow).toBe('ImageWorkflow')

    const view = await detail(pipeline, execution!.name)
    const byName = outcomes(view.states)
    for (const state of ['ValidateAndRender', 'PersistImage', 'IndexImage']) expect(byName[state]).toBe('succeeded')
    for (const state of ['RecordFailure', 'SendToDeadLetterQueue', 'PublishRejected', 'ImageFailed'])
      expect(byName[state]).toBe('not-reached')
    const validate = view.states.find((state) => state.name === 'ValidateAndRender')!
    expect(validate.attempts).toHaveLength(1)
    expect(validate.input).toMatchObject({ detail: { object: { key: 'uploads/good/photo.jpg' } } })
    expect(view.history[0]!.type).toBe('ExecutionStarted')
  })

  it('lists uploads newest first with their status and thumbnails, paged', async () => {
    const first = await call<{
      images: Array<{
        key: string
        status: string
        thumbnails: Array<{ rendition: string; url: string }>
        executionName?: string
      }>
      next?: string
    }>(`${pipeline.url}/images?limit=1`)
    expect(first.body.images).toEqual([
      expect.objectContaining({
        key: 'uploads/good/photo.jpg',
        status: 'PROCESSED',
        executionName: expect.any(String),
      }),
    ])
    const thumbnail = first.body.images[0]!.thumbnails.find((candidate) => candidate.rendition === 'thumbnail')!
    const image = await fetch(`${pipeline.url.replace('/console/api', '')}${thumbnail.url}`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/jpeg')
    expect(first.body.next).toBeUndefined()
  })

  it("shows a bad image's failing state as caught, with its error and cause, and the Fail state as failed", async () => {
    await put(pipeline, 'bad/vector.svg', images.svg(), 'image/svg+xml')
    const [execution] = await finished(pipeline, 'uploads/bad/vector.svg')
    expect(execution!.status).toBe('FAILED')

    const view = await detail(pipeline, execution!.executionArn)
    const validate = view.states.find((state) => state.name === 'ValidateAndRender')!
    expect(validate.outcome).toBe('caught')
    expect(validate.error).toBe('UnsupportedImage')
    expect(validate.cause).toMatch(/svg/)
    expect(outcomes(view.states)).toMatchObject({
      RecordFailure: 'succeeded',
      ImageFailed: 'failed',
      PersistImage: 'not-reached',
      IndexImage: 'not-reached',
    })
    expect(view.error).toBe('UnsupportedImage')
  })

  it('refuses to redrive an execution that succeeded', async () => {
    const [execution] = await finished(pipeline, 'uploads/good/photo.jpg')
    const answer = await post<{ error: string }>(`${pipeline.url}/executions/${execution!.name}/redrive`)
    expect(answer.status).toBe(409)
    expect(answer.body.error).toBe('ExecutionNotRedrivable')
    expect((await post(`${pipeline.url}/executions/no-such-execution/redrive`)).status).toBe(404)
  })

  it('starts an execution again with the same input', async () => {
    const [execution] = await finished(pipeline, 'uploads/good/photo.jpg')
    const again = await post<ExecutionSummary>(`${pipeline.url}/executions/${execution!.name}/start-again`)
    expect(again.status).toBe(201)
    expect(again.body.executionArn).not.toBe(execution!.executionArn)
    const runs = await finished(pipeline, 'uploads/good/photo.jpg', 2)
    expect(runs.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED'])
    expect((await detail(pipeline, again.body.name)).input).toEqual((await detail(pipeline, execution!.name)).input)
  })

  it("redrives a bad image's dead letter: it fails again and lands one new dead letter with its reason", async () => {
    const letters = () =>
      call<{ queues: DeadLetterQueueView[] }>(`${pipeline.url}/dlq`).then((answer) =>
        answer.body.queues.find((queue) => queue.name === 'ImageDeadLetters')!,
      )
    const before = await until(async () => ((await letters()).depth === 1 ? letters() : undefined))
    const original = before.messages[0]!
    expect(original.reason).toMatch(/^UnsupportedImage: .*svg/)
    expect(original.origin).toBe('ImageWorkflow')

    const outcome = await post<RedriveOutcome>(`${pipeline.url}/dlq/ImageDeadLetters/redrive`, { ids: [original.id] })
    expect(outcome.body).toEqual({ queue: 'ImageDeadLetters', redriven: 1, failed: [] })
    await finished(pipeline, 'uploads/bad/vector.svg', 2)

    const after = await until(async () => {
      const queue = await letters()
      return queue.depth === 1 && queue.messages[0]!.id !== original.id ? queue : undefined
    })
    expect(after.messages[0]!.reason).toMatch(/^UnsupportedImage: .*svg/)
    expect((after.messages[0]!.body as { execution: string }).execution).not.toBe(
      (original.body as { execution: string }).execution,
    )
  })

  it("redrives a transient failure's dead letter into a processed image", async () => {
    failProcessedWrites(pipeline.runtime)
    try {
      await put(pipeline, 'flaky/photo.jpg', await images.jpeg(300, 200), 'image/jpeg')
      const [failed] = await finished(pipeline, 'uploads/flaky/photo.jpg')
      expect(failed!.status).toBe('FAILED')
    } finally {
      healWrites(pipeline.runtime)
    }
    const queue = await until(async () =>
      (await call<{ queues: DeadLetterQueueView[] }>(`${pipeline.url}/dlq`)).body.queues.find(
        (candidate) =>
          candidate.name === 'ImageDeadLetters' &&
          candidate.messages.some((message) => /flaky/.test(JSON.stringify(message.body))),
      ),
    )
    const letter = queue.messages.find((message) => /flaky/.test(JSON.stringify(message.body)))!
    expect(letter.reason).toMatch(/TransientError/)

    const outcome = await post<RedriveOutcome>(`${pipeline.url}/dlq/imagedeadletters/redrive`, { ids: [letter.id] })
    expect(outcome.body.redriven).toBe(1)
    const runs = await finished(pipeline, 'uploads/flaky/photo.jpg', 2)
    expect(runs[0]!.status).toBe('SUCCEEDED')
    const record = pipeline.runtime.db
      .prepare('SELECT status FROM images WHERE key = ?')
      .get('uploads/flaky/photo.jpg') as { status: string }
    expect(record.status).toBe('PROCESSED')
    await until(() => (pipeline.runtime.deadLetters.settle() === 0 ? true : undefined))
    const left = (await call<{ queues: DeadLetterQueueView[] }>(`${pipeline.url}/dlq`)).body.queues.find(
      (candidate) => candidate.name === 'ImageDeadLetters',
    )!
    expect(left.messages.filter((message) => /flaky/.test(JSON.stringify(message.body)))).toHaveLength(0)
  })

  it("sends a queue's dead letter back to its source queue, and deletes one by id", async () => {
    const send = await fetch(`${pipeline.url.replace('/console/api', '')}/queues/orders/messages`, {
      method: 'POST',
      body: 'not json at all',
    })
    expect(send.status).toBe(202)
    const dlq = () =>
      call<{ queues: DeadLetterQueueView[] }>(`${pipeline.url}/dlq`).then((answer) =>
        answer.body.queues.find((queue) => queue.name === 'OrdersQueueDeadLetters')!,
      )
    const first = await until(async () => ((await dlq()).depth === 1 ? dlq() : undefined))
    expect(first.messages[0]!.origin).toBe('OrdersQueue')

    const outcome = await post<RedriveOutcome>(`${pipeline.url}/dlq/OrdersQueueDeadLetters/redrive`)
    expect(outcome.body).toEqual({ queue: 'OrdersQueueDeadLetters', redriven: 1, failed: [] })
    // Still poison: the poller receives it again until SQS's redrive policy moves it back, as a new message.
    const second = await until(async () => {
      const queue = await dlq()
      return queue.depth === 1 && queue.messages[0]!.id !== first.messages[0]!.id ? queue : undefined
    })
    expect(second.messages[0]!.body).toBe('not json at all')

    const removed = await call(`${pipeline.url}/dlq/OrdersQueueDeadLetters/messages/${second.messages[0]!.id}`, {
      method: 'DELETE',
    })
    expect(removed.status).toBe(204)
    expect((await dlq()).depth).toBe(0)
    expect(
      (
        await call(`${pipeline.url}/dlq/OrdersQueueDeadLetters/messages/${second.messages[0]!.id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404)
    expect((await post(`${pipeline.url}/dlq/NoSuchQueue/redrive`)).status).toBe(404)
  })

  it('counts step invocations, errors and cold starts, and finished executions per workflow', async () => {
    const metrics = (await call<MetricsView>(`${pipeline.url}/metrics`)).body
    const validate = metrics.steps.find((step) => step.step === 'RenderImageStep')!
    const started = pipeline.runtime.db
      .prepare(
        "SELECT COUNT(*) AS n FROM history h JOIN executions e ON e.arn = h.execution_arn WHERE e.workflow = 'image' AND h.type = 'TaskScheduled' AND json_extract(json_extract(h.details, '$.taskScheduledEventDetails.parameters'), '$.FunctionName') LIKE '%RenderImageStep'",
      )
      .get() as { n: number }
    expect(validate.invocations).toBe(started.n)
    expect(validate.coldStarts).toBe(1)
    expect(validate.errors).toBeGreaterThanOrEqual(2)
    expect(validate.p50Ms).toBeGreaterThan(0)
    expect(validate.p99Ms!).toBeGreaterThanOrEqual(validate.p50Ms!)
    const persist = metrics.steps.find((step) => step.step === 'PersistImageStep')!
    expect(persist.errors).toBeGreaterThanOrEqual(1)

    const image = metrics.workflows.find((workflow) => workflow.workflow === 'ImageWorkflow')!
    const counts = pipeline.runtime.db
      .prepare(
        "SELECT SUM(status = 'SUCCEEDED') AS succeeded, SUM(status = 'FAILED') AS failed FROM executions WHERE workflow = 'image'",
      )
      .get() as { succeeded: number; failed: number }
    expect({ succeeded: image.succeeded, failed: image.failed }).toEqual(counts)
    expect(image.series.reduce((sum, point) => sum + point.succeeded, 0)).toBe(counts.succeeded)
    expect(image.series.length).toBeGreaterThanOrEqual(60)
  })

  it('redrives a caught failure from the Fail state it ended in, through the CLI, without running the image steps again', async () => {
    const [first] = (await finished(pipeline, 'uploads/bad/vector.svg', 2)).slice(-1)
    const validateBefore = invocationsOf(pipeline.runtime, 'RenderImageStep')

    const redriven = await cli('redrive', first!.name, '--json')
    expect(redriven.code).toBe(0)
    expect(JSON.parse(redriven.stdout)).toMatchObject({ executionArn: first!.executionArn, redriveCount: 1 })
    const [again] = (await finished(pipeline, 'uploads/bad/vector.svg', 2)).slice(-1)

    // Step Functions resumes at the state that failed: here the Fail state a Catch led to, which fails again.
    expect(again).toMatchObject({ executionArn: first!.executionArn, status: 'FAILED', redriveCount: 1 })
    expect(invocationsOf(pipeline.runtime, 'RenderImageStep')).toBe(validateBefore)
    const view = await detail(pipeline, first!.name)
    expect(
      view.history.filter((event) => event.type === 'ImageFailed' || event.type === 'FailStateEntered'),
    ).toHaveLength(2)
    expect(await cli('redrive', 'no-such-execution')).toMatchObject({ code: 1 })
    const refused = await cli('redrive', (await finished(pipeline, 'uploads/good/photo.jpg', 2))[0]!.name)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/409 ExecutionNotRedrivable/)
  })

  it('redrives every dead-letter queue and prints metrics through the CLI', async () => {
    const dlq = await cli('dlq', 'redrive', '--all', '--json')
    expect(dlq.code).toBe(0)
    const results = (JSON.parse(dlq.stdout) as { results: Array<{ queue: string; status: string; sentBack: number }> })
      .results
    // An upload's event (aws.s3, which PutEvents refuses) starts its workflow again, as on AWS.
    expect(results.find((result) => result.queue === 'ImageDeadLetters')).toMatchObject({
      status: 'REDRIVEN',
      restarted: 1,
    })
    expect(results.find((result) => result.queue === 'OrderDeadLetters')).toMatchObject({ status: 'EMPTY' })

    const table = await cli('metrics')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/RenderImageStep\s+\d+\s+\d+\s+1\s/)
    expect(table.stdout).toMatch(/ImageWorkflow\s+\d+\s+\d+/)
    const window = await cli('metrics', '--from', '2h', '--json')
    expect(JSON.parse(window.stdout)).toMatchObject({
      steps: expect.arrayContaining([expect.objectContaining({ step: 'RenderImageStep' })]),
    })
    expect(await cli('metrics', '--from', 'soon')).toMatchObject({ code: 2 })
  })

  it('lists bus events newest first, filtered and paged, serves one whole, and replays a window', async () => {
    type Events = { events: Array<{ id: string; source: string; detailType: string; time: string }>; next?: string }
    const all = (await call<Events>(`${pipeline.url}/events?limit=200`)).body.events
    const created = all.filter((event) => event.detailType === 'Object Created')
    expect(created.length).toBeGreaterThanOrEqual(3)
    expect(all.map((event) => event.time)).toEqual([...all.map((event) => event.time)].sort().reverse())

    const byType = (await call<Events>(`${pipeline.url}/events?detailType=Object%20Created&source=aws.s3`)).body.events
    expect(byType.map((event) => event.id)).toEqual(created.map((event) => event.id))
    const pattern = encodeURIComponent(JSON.stringify({ detail: { object: { key: [{ prefix: 'uploads/bad/' }] } } }))
    const bad = (await call<Events>(`${pipeline.url}/events?pattern=${pattern}`)).body.events
    expect(bad.length).toBeGreaterThanOrEqual(1)
    const paged: string[] = []
    let cursor: string | undefined
    do {
      const page: { body: Events } = await call<Events>(
        `${pipeline.url}/events?detailType=Object%20Created&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      )
      paged.push(...page.body.events.map((event) => event.id))
      cursor = page.body.next
    } while (cursor)
    expect(paged).toEqual(created.map((event) => event.id))

    const one = await call<{ event: { id: string; detail: { object: { key: string } } } }>(
      `${pipeline.url}/events/${created[0]!.id}`,
    )
    expect(one.body.event.id).toBe(created[0]!.id)
    expect((await call(`${pipeline.url}/events/no-such-event`)).status).toBe(404)

    const from = new Date(Date.now() - 3_600_000).toISOString()
    const started = await post<{ name: string; state: string }>(`${pipeline.url}/replays`, {
      from,
      to: new Date().toISOString(),
      name: 'console-replay',
    })
    expect(started.status).toBe(202)
    const done = await until(async () => {
      const replay = await call<{ state: string; eventsTotal: number; eventsReplayed: number }>(
        `${pipeline.url}/replays/console-replay`,
      )
      return replay.body.state === 'COMPLETED' ? replay.body : undefined
    })
    expect(done.eventsReplayed).toBe(done.eventsTotal)
    expect(
      (await post(`${pipeline.url}/replays`, { from, to: new Date().toISOString(), name: 'console-replay' })).status,
    ).toBe(409)
    expect(
      (await post<{ message: string }>(`${pipeline.url}/replays`, { from: 'soon', to: new Date().toISOString() })).body
        .message,
    ).toMatch(/^from:/)
    // The replayed uploads run their workflow again: let them finish before the next test counts executions.
    await pipeline.runtime.executor.idle()
  })

  it.each([
    ['an unknown status', 'executions?status=DONE', 'status'],
    ['a limit over 200', 'executions?limit=500', 'limit'],
    ['a workflow that does not exist', 'executions?workflow=NoSuchWorkflow', 'workflow'],
    ['a time that is not one', 'executions?from=yesterday', 'from'],
    ['a cursor it did not give out', 'executions?cursor=bm9wZQ', 'cursor'],
    ['a pattern that is not JSON', 'events?pattern={', 'pattern'],
    ['a window that ends before it starts', 'metrics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
  ])('answers 400 naming the field for %s', async (_name, route, field) => {
    const answer = await call<{ error: string; message: string }>(`${pipeline.url}/${route}`)
    expect(answer.status).toBe(400)
    expect(answer.body.message.startsWith(`${field}:`)).toBe(true)
  })

  it('answers 400 naming the field for a bad redrive body', async () => {
    const answer = await post<{ message: string }>(`${pipeline.url}/dlq/ImageDeadLetters/redrive`, { ids: 'all' })
    expect(answer.status).toBe(400)
    expect(answer.body.message).toMatch(/^ids:/)
  })

  it('pages thousands of executions newest first, with filters, without repeating or losing one', async () => {
    // Prepare: rows straight into the table, across two workflows and four statuses, a second apart, each started by
    // an upload's event (what an execution is about is read from its input, as on AWS).
    const base = Date.parse('2026-03-01T00:00:00.000Z')
    const insert = pipeline.runtime.db
      .prepare(`INSERT INTO executions (arn, name, state_machine, workflow, status, subject, input, created_at, start_date)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const statuses = ['SUCCEEDED', 'FAILED', 'SUCCEEDED', 'RUNNING'] as const
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const machine = i % 3 === 0 ? 'OrderWorkflow' : 'ImageWorkflow'
      const name = `paged-${String(i).padStart(5, '0')}`
      // Every tenth pair shares a start time, so the cursor's tie-break matters.
      const createdAt = new Date(base + Math.floor(i / 2) * 1000).toISOString()
      return {
        arn: `arn:aws:states:us-east-1:000000000000:execution:${machine}:${name}`,
        name,
        machine,
        workflow: machine === 'OrderWorkflow' ? 'order' : 'image',
        status: statuses[i % 4]!,
        subject: `uploads/paged/${i}.jpg`,
        createdAt,
      }
    })
    pipeline.runtime.db.exec('BEGIN')
    for (const row of rows)
      insert.run(
        row.arn,
        row.name,
        `arn:aws:states:us-east-1:000000000000:stateMachine:${row.machine}`,
        row.workflow,
        row.status,
        row.subject,
        JSON.stringify({ source: 'aws.s3', detail: { object: { key: row.subject } } }),
        row.createdAt,
        row.createdAt,
      )
    pipeline.runtime.db.exec('COMMIT')

    const pageAll = async (query: string) => {
      const seen: ExecutionSummary[] = []
      let cursor: string | undefined
      do {
        const answer = await call<{ executions: ExecutionSummary[]; next?: string }>(
          `${pipeline.url}/executions?${query}&limit=173${cursor ? `&cursor=${cursor}` : ''}`,
        )
        expect(answer.status).toBe(200)
        seen.push(...answer.body.executions)
        cursor = answer.body.next
      } while (cursor)
      return seen.map((execution) => execution.name)
    }
    const expected = (keep: (row: (typeof rows)[number]) => boolean) =>
      rows
        .map((row, index) => ({ row, index }))
        .filter(({ row }) => keep(row))
        .sort((a, b) =>
          a.row.createdAt === b.row.createdAt ? b.index - a.index : b.row.createdAt.localeCompare(a.row.createdAt),
        )
        .map(({ row }) => row.name)

    expect(
      await pageAll('workflow=ImageWorkflow&status=FAILED&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z'),
    ).toEqual(expected((row) => row.machine === 'ImageWorkflow' && row.status === 'FAILED'))
    expect(await pageAll('from=2026-03-01T00:05:00Z&to=2026-03-01T00:10:00Z')).toEqual(
      expected((row) => row.createdAt >= '2026-03-01T00:05:00.000Z' && row.createdAt <= '2026-03-01T00:10:00.000Z'),
    )
    expect(await pageAll('q=paged/12')).toEqual(expected((row) => row.subject.includes('paged/12')))
    expect(await pageAll('q=d-0299')).toEqual(expected((row) => row.name.includes('d-0299')))
  })
})

describe('RedriveExecution on the local runtime', () => {
  it('resumes a failed execution at its failed state, reruns no succeeded state, and finishes across a restart', async () => {
    const model = uncaughtPersistModel()
    let pipeline = await start({ model })
    let dataDir = pipeline.dataDir
    try {
      // Prepare: PersistImage fails (its one retry too), so the execution fails there.
      failProcessedWrites(pipeline.runtime)
      await put(pipeline, 'redrive/photo.jpg', await images.jpeg(300, 200), 'image/jpeg')
      const [failed] = await finished(pipeline, 'uploads/redrive/photo.jpg')
      expect(failed).toMatchObject({ status: 'FAILED', redriveCount: 0 })
      const failedView = await detail(pipeline, failed!.name)
      expect(outcomes(failedView.states)).toMatchObject({
        ValidateAndRender: 'succeeded',
        PersistImage: 'failed',
        IndexImage: 'not-reached',
      })
      expect(failedView.states.find((state) => state.name === 'PersistImage')!.attempts).toHaveLength(2)
      const before = {
        render: invocationsOf(pipeline.runtime, 'RenderImageStep'),
        persist: invocationsOf(pipeline.runtime, 'PersistImageStep'),
      }
      expect(before).toEqual({ render: 1, persist: 2 })
      const listed = async () =>
        (await call<{ images: Array<{ key: string; status: string }> }>(`${pipeline.url}/images`)).body.images
      expect(await listed()).toEqual([expect.objectContaining({ key: 'uploads/redrive/photo.jpg', status: 'PENDING' })])

      // Act: redrive while the fault still stands; stop the runtime while PersistImage waits to retry; heal; start again.
      const redriven = await post<ExecutionSummary>(`${pipeline.url}/executions/${failed!.name}/redrive`)
      expect(redriven.status).toBe(200)
      expect(redriven.body).toMatchObject({
        executionArn: failed!.executionArn,
        status: 'RUNNING',
        redriveCount: 1,
        startDate: failed!.startDate,
      })
      await until(() =>
        pipeline.runtime.db
          .prepare(
            "SELECT 1 FROM history WHERE execution_arn = ? AND type = 'TaskFailed' AND id > (SELECT redrive_event_id FROM executions WHERE arn = ?)",
          )
          .get(failed!.executionArn, failed!.executionArn)
          ? true
          : undefined,
      )
      healWrites(pipeline.runtime)
      await pipeline.close({ keepData: true })
      pipeline = await start({ model, dataDir })
      dataDir = pipeline.dataDir
      expect(pipeline.runtime.recovered).toBe(1)

      // Assess
      const [done] = await finished(pipeline, 'uploads/redrive/photo.jpg')
      expect(done).toMatchObject({ executionArn: failed!.executionArn, status: 'SUCCEEDED', redriveCount: 1 })
      expect(invocationsOf(pipeline.runtime, 'RenderImageStep')).toBe(before.render)
      const view = await detail(pipeline, failed!.name)
      const types = view.history.map((event) => event.type)
      expect(types.filter((type) => type === 'ExecutionStarted')).toHaveLength(1)
      expect(types.filter((type) => type === 'ExecutionRedriven')).toHaveLength(1)
      expect(types.indexOf('ExecutionFailed')).toBeLessThan(types.indexOf('ExecutionRedriven'))
      expect(types.at(-1)).toBe('ExecutionSucceeded')
      expect(view.history.map((event) => event.id)).toEqual(view.history.map((_, index) => index + 1))
      expect(outcomes(view.states)).toMatchObject({
        ValidateAndRender: 'succeeded',
        PersistImage: 'succeeded',
        IndexImage: 'succeeded',
      })
      const persist = view.states.find((state) => state.name === 'PersistImage')!
      expect(persist.input).toEqual(failedView.states.find((state) => state.name === 'PersistImage')!.input)
      const record = pipeline.runtime.db
        .prepare('SELECT status FROM images WHERE key = ?')
        .get('uploads/redrive/photo.jpg') as { status: string }
      expect(record.status).toBe('PROCESSED')
      expect(await listed()).toEqual([
        expect.objectContaining({ key: 'uploads/redrive/photo.jpg', status: 'PROCESSED' }),
      ])
    } finally {
      await pipeline.close()
    }
  })
})

describe("a rule target's dead letter", () => {
  it('is delivered to that target again when redriven, and leaves the queue', async () => {
    // Prepare: a rule whose target refuses every delivery (an injected fault) and gives up at once to its DLQ.
    const model = pipelineModel()
    const imageWorkflow = model.stateMachines.find((machine) => machine.name === 'ImageWorkflow')!
    const dlq = model.queues.find((queue) => queue.name === 'RuleTargetDeadLetters')!
    const pipeline = await start({
      faults: { rates: new Map([['bus', 1]]), seed: 7 },
      model: {
        ...model,
        rules: [
          ...model.rules,
          {
            name: 'RouteTestEvents',
            bus: 'Pipeline',
            pattern: { source: ['tests'] },
            targets: [
              {
                id: 'Image',
                arn: imageWorkflow.arn,
                deadLetterArn: dlq.arn,
                maximumRetryAttempts: 0,
                maximumEventAgeSeconds: 60,
              },
            ],
          },
        ],
      },
    })
    try {
      const put = await post<{ Entries: Array<{ EventId: string }> }>(
        `${pipeline.url.replace('/console/api', '')}/events`,
        { Entries: [{ Source: 'tests', DetailType: 'Ping', Detail: '{"n":1}', EventBusName: 'Pipeline' }] },
      )
      const eventId = put.body.Entries[0]!.EventId
      const queue = async () =>
        (await call<{ queues: DeadLetterQueueView[] }>(`${pipeline.url}/dlq`)).body.queues.find(
          (candidate) => candidate.name === 'RuleTargetDeadLetters',
        )!
      const letters = await until(async () => ((await queue()).depth === 1 ? queue() : undefined))
      expect(letters.messages[0]).toMatchObject({
        origin: 'ImageWorkflow (rule RouteTestEvents)',
        reason: expect.stringMatching(/^TargetInvocationFailed: /),
      })

      // Act
      const outcome = await post<RedriveOutcome>(`${pipeline.url}/dlq/RuleTargetDeadLetters/redrive`)

      // Assess: the redrive is the target's delivery, so the workflow runs with the event itself as its input.
      expect(outcome.body).toEqual({ queue: 'RuleTargetDeadLetters', redriven: 1, failed: [] })
      expect((await queue()).depth).toBe(0)
      const started = pipeline.runtime.db
        .prepare("SELECT state_machine, input FROM executions WHERE json_extract(input, '$.id') = ?")
        .all(eventId) as Array<{ state_machine: string; input: string }>
      expect(started).toHaveLength(1)
      expect(started[0]!.state_machine).toBe(imageWorkflow.arn)
      expect(JSON.parse(started[0]!.input)).toMatchObject({ id: eventId, source: 'tests', detail: { n: 1 } })
    } finally {
      await pipeline.close()
    }
  })
})
