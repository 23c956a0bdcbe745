import type { AnyEvent } from '../../contracts/envelope'
import { ImageProcessedType, ImageRejectedType } from '../../contracts/sources'
import * as images from '../support/images'
import {
  getJson,
  pipelineModel,
  postJson,
  settle,
  startPipeline,
  upload,
  type RunningPipeline,
} from '../support/pipeline'

interface Replay {
  name: string
  state: string
  total: number
  replayed: number
  rules: string[] | null
  reason?: string
}

let pipeline: RunningPipeline
beforeAll(async () => {
  pipeline = await startPipeline()
})
afterAll(() => pipeline.close())

/** Everything a replay must leave as it was: records, search documents, dead letters, outcome events published anew (not replayed ones), archive. */
const snapshot = () => {
  const db = pipeline.runtime.db
  const rows = (sql: string) => db.prepare(sql).all()
  return {
    images: rows('SELECT key, etag, status, record FROM images ORDER BY key'),
    orders: rows("SELECT pk, item FROM table_items WHERE table_name = 'Orders' ORDER BY pk"),
    streamRecords: rows('SELECT COUNT(*) AS n FROM stream_records'),
    search: rows('SELECT id, data FROM search ORDER BY id'),
    deadLetters: rows("SELECT body FROM queue_messages WHERE queue = 'ImageDeadLetters' ORDER BY seq"),
    outcomes:
      rows(`SELECT detail_type, COALESCE(json_extract(event, '$.detail.key'), json_extract(event, '$.detail.orderId')) AS key, COUNT(*) AS n FROM events
      WHERE replay_name IS NULL AND detail_type IN ('${ImageProcessedType}', '${ImageRejectedType}', 'OrderAccepted', 'OrderRejected', 'OrderStatusChanged')
      GROUP BY detail_type, key ORDER BY detail_type, key`),
    archived: rows('SELECT COUNT(*) AS n FROM events WHERE archive IS NOT NULL'),
  }
}

const replayAndSettle = async (request: Record<string, unknown>) => {
  const started = await postJson<Replay>(`${pipeline.url}/replays`, request)
  expect(started.status).toBe(202)
  await pipeline.runtime.replayer.settled(started.body.name)
  await settle(pipeline)
  return (await getJson<Replay>(`${pipeline.url}/replays/${started.body.name}`)).body
}

describe('archive and replay', () => {
  const from = new Date(Date.now() - 2000).toISOString()

  it('replays a window of image and order events twice, once while the originals are still in flight, and changes nothing', async () => {
    // Prepare: processed and rejected images, an accepted and a rejected order, settled.
    for (const [key, body] of [
      ['replay/a.jpg', await images.jpeg(600, 400)],
      ['replay/b.png', await images.pngWithAlpha()],
      ['replay/bad.jpg', images.textFile()],
    ] as const) {
      expect((await upload(pipeline.url, key, body)).status).toBe(200)
    }
    const user = (
      await postJson<{ userId: string }>(`${pipeline.url}/users`, {
        username: 'replayer',
        email: 'replayer@example.com',
      })
    ).body
    const accepted = (
      await postJson<{ orderId: string }>(`${pipeline.url}/orders`, {
        customerId: user.userId,
        totalAmount: 30,
        currency: 'EUR',
      })
    ).body.orderId
    const rejected = (
      await postJson<{ orderId: string }>(`${pipeline.url}/orders`, {
        customerId: 'usr_unknown',
        totalAmount: 30,
        currency: 'EUR',
      })
    ).body.orderId
    await settle(pipeline)
    const before = snapshot()
    expect(before.outcomes).toEqual(
      expect.arrayContaining([
        { detail_type: 'OrderAccepted', key: accepted, n: 1 },
        { detail_type: 'OrderRejected', key: rejected, n: 1 },
      ]),
    )
    expect(before.outcomes.filter((row) => (row as { detail_type: string }).detail_type.startsWith('Image'))).toEqual([
      { detail_type: ImageProcessedType, key: 'uploads/replay/a.jpg', n: 1 },
      { detail_type: ImageProcessedType, key: 'uploads/replay/b.png', n: 1 },
      { detail_type: ImageRejectedType, key: 'uploads/replay/bad.jpg', n: 1 },
    ])

    // Act: the same window twice.
    const to = new Date(Date.now() + 500).toISOString()
    const first = await replayAndSettle({ name: 'after-fix-1', from, to })
    const second = await replayAndSettle({ name: 'after-fix-2', from, to })
    await settle(pipeline)

    // Assess
    for (const replay of [first, second]) expect(replay).toMatchObject({ state: 'COMPLETED', replayed: replay.total })
    expect(first.total).toBe((before.archived[0] as { n: number }).n)
    expect(snapshot()).toEqual(before)
    const replayedRuns = pipeline.runtime.db
      .prepare('SELECT COUNT(*) AS n FROM executions WHERE json_extract(input, \'$."replay-name"\') IS NOT NULL')
      .get() as { n: number }
    expect(replayedRuns.n).toBeGreaterThanOrEqual(6)

    // Act again: a new upload, replayed at once, while its first execution is still running.
    expect((await upload(pipeline.url, 'replay/c.jpg', await images.jpeg(1600, 1200))).status).toBe(200)
    const inFlight = await postJson<Replay>(`${pipeline.url}/replays`, {
      name: 'in-flight',
      from,
      to: new Date(Date.now() + 500).toISOString(),
      rules: ['StartImageWorkflow'],
    })
    expect(inFlight.status).toBe(202)
    await pipeline.runtime.replayer.settled('in-flight')
    await settle(pipeline)

    const after = snapshot()
    expect(after.outcomes).toContainEqual({ detail_type: ImageProcessedType, key: 'uploads/replay/c.jpg', n: 1 })
    expect(after.outcomes.filter((row) => (row as { key: string }).key !== 'uploads/replay/c.jpg')).toEqual(
      before.outcomes,
    )
    expect(after.deadLetters).toEqual(before.deadLetters)
  })

  it('delivers replayed events with replay-name, to the named rules only, and never archives them again', async () => {
    const seen: AnyEvent[] = []
    const stop = pipeline.runtime.bus.onEvent((event) => {
      if (event['replay-name'] === 'named-rule') seen.push(event)
    })
    const archivedBefore = snapshot().archived

    const replay = await replayAndSettle({
      name: 'named-rule',
      from,
      to: new Date(Date.now() + 500).toISOString(),
      rules: ['StartImageWorkflow'],
    })
    stop()

    expect(replay).toMatchObject({ state: 'COMPLETED', rules: ['StartImageWorkflow'] })
    expect(seen).toHaveLength(replay.total)
    expect(snapshot().archived).toEqual(archivedBefore)
    const started = pipeline.runtime.db
      .prepare("SELECT COUNT(*) AS n FROM executions WHERE json_extract(input, '$.\"replay-name\"') = 'named-rule'")
      .get() as { n: number }
    const uploadsInWindow = seen.filter(
      (event) =>
        event['detail-type'] === 'Object Created' &&
        (event.detail as { object: { key: string } }).object.key.startsWith('uploads/'),
    ).length
    expect(started.n).toBe(uploadsInWindow)
  })

  it.each([
    [
      'a window that ends before it starts',
      { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      400,
      /from: must be before to/,
    ],
    [
      'a time that is not ISO 8601',
      { from: 'yesterday', to: '2026-01-01T00:00:00Z' },
      400,
      /from: must be an ISO 8601 time/,
    ],
    ['a missing end', { from: '2026-01-01T00:00:00Z' }, 400, /to: is required/],
    [
      'an unknown rule',
      { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', rules: ['NoSuchRule'] },
      400,
      /rules: NoSuchRule is not a rule of bus Pipeline/,
    ],
    [
      'a name already used',
      { name: 'after-fix-1', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      409,
      /already exists/,
    ],
    [
      'a name with a slash',
      { name: 'a/b', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      400,
      /name: 1 to 64/,
    ],
  ])('refuses %s', async (_name, request, status, message) => {
    const answer = await postJson<{ error: string; message: string }>(`${pipeline.url}/replays`, request)
    expect(answer.status).toBe(status)
    expect(answer.body.message).toMatch(message)
  })

  it('cancels a running replay before its next event, and refuses to cancel one that ended', async () => {
    // Cancelled in the same tick it started, so the replay has surely not delivered its first event yet.
    const replay = pipeline.runtime.replayer.start({
      name: 'cancel-me',
      from,
      to: new Date(Date.now() + 500).toISOString(),
    })
    pipeline.runtime.replayer.cancel('cancel-me')
    await pipeline.runtime.replayer.settled('cancel-me')

    expect(replay).toMatchObject({ state: 'RUNNING', replayed: 0 })
    expect(replay.total).toBeGreaterThan(0)
    expect((await getJson<Replay>(`${pipeline.url}/replays/cancel-me`)).body).toMatchObject({
      state: 'CANCELLED',
      replayed: 0,
      reason: 'Cancelled by request',
    })
    expect((await postJson(`${pipeline.url}/replays/after-fix-1/cancel`, {})).status).toBe(409)
    expect((await postJson(`${pipeline.url}/replays/nope/cancel`, {})).status).toBe(404)
    const listed = (await getJson<{ replays: Replay[] }>(`${pipeline.url}/replays`)).body.replays.map((view) => [
      view.name,
      view.state,
    ])
    expect(listed).toEqual(
      expect.arrayContaining([
        ['after-fix-1', 'COMPLETED'],
        ['cancel-me', 'CANCELLED'],
      ]),
    )
  })

  it('lists archived events by window and pattern, and answers an invalid pattern as EventBridge does', async () => {
    const pattern = JSON.stringify({ 'detail-type': [ImageRejectedType] })
    const { body } = await getJson<{ events: Array<{ event: AnyEvent; archive: string }> }>(
      `${pipeline.url}/events?from=${encodeURIComponent(from)}&pattern=${encodeURIComponent(pattern)}`,
    )
    expect(body.events.map(({ event }) => (event.detail as { key: string }).key)).toEqual(['uploads/replay/bad.jpg'])
    expect(body.events[0]!.archive).toBe('pipeline-archive')

    const invalid = await getJson<{ error: string; message: string }>(
      `${pipeline.url}/events?pattern=${encodeURIComponent('{"source":"not-an-array"}')}`,
    )
    expect(invalid.status).toBe(400)
    expect(invalid.body.error).toBe('InvalidEventPatternException')

    const future = await getJson<{ events: unknown[] }>(`${pipeline.url}/events?from=2999-01-01T00:00:00Z`)
    expect(future.body.events).toEqual([])
  })
})

describe('TestEventPattern over HTTP', () => {
  it.each([
    ['a match', { source: ['aws.s3'] }, true],
    ['no match', { source: ['aws.ec2'] }, false],
    ['a prefix on a nested key', { detail: { object: { key: [{ prefix: 'uploads/' }] } } }, true],
  ])('answers %s', async (_name, pattern, result) => {
    const event = {
      id: '1',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { object: { key: 'uploads/cat.jpg' } },
    }
    expect((await postJson(`${pipeline.url}/test-pattern`, { pattern, event })).body).toEqual({ result })
  })

  it("answers an invalid pattern with 400 and EventBridge's reason", async () => {
    const answer = await postJson<{ error: string; message: string }>(`${pipeline.url}/test-pattern`, {
      pattern: { source: [{ prefix: 5 }] },
      event: {},
    })
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({
      error: 'InvalidEventPatternException',
      message: expect.stringMatching(/^Event pattern is not valid/),
    })
  })

  it('refuses a body that is not JSON, or of another content type', async () => {
    const malformed = await fetch(`${pipeline.url}/test-pattern`, {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    })
    const text = await fetch(`${pipeline.url}/test-pattern`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    })
    expect([malformed.status, text.status]).toEqual([400, 415])
  })
})

describe('PutEvents over HTTP', () => {
  it('accepts valid entries and reports each invalid one instead of failing the batch', async () => {
    const answer = await postJson<{
      FailedEntryCount: number
      Entries: Array<{ EventId?: string; ErrorCode?: string }>
    }>(`${pipeline.url}/events`, {
      Entries: [
        { Source: 'tests', DetailType: 'Ping', Detail: '{"n":1}', EventBusName: 'Pipeline' },
        { Source: 'tests', DetailType: 'Ping', Detail: '[1]', EventBusName: 'Pipeline' },
        { DetailType: 'Ping', Detail: '{}', EventBusName: 'Pipeline' },
        { Source: 'tests', DetailType: 'Ping', Detail: '{}', EventBusName: 'nope' },
      ],
    })
    expect(answer.status).toBe(200)
    expect(answer.body.FailedEntryCount).toBe(3)
    expect(answer.body.Entries.map((entry) => entry.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
    ])
  })

  it.each([
    ['no entries', []],
    ['eleven entries', Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' }))],
    [
      'entries over 256 KB',
      [
        { Source: 's', DetailType: 'd', Detail: JSON.stringify({ pad: 'x'.repeat(200 * 1024) }) },
        { Source: 's', DetailType: 'd', Detail: JSON.stringify({ pad: 'x'.repeat(60 * 1024) }) },
      ],
    ],
  ])('refuses a batch with %s', async (_name, entries) => {
    const answer = await postJson<{ error: string }>(`${pipeline.url}/events`, { Entries: entries })
    expect(answer.status).toBe(400)
    expect(answer.body.error).toBe('ValidationException')
  })
})

describe('rule targets that keep failing', () => {
  it("retry under the target's policy, then land in its DLQ with the error", async () => {
    // Prepare: a rule whose state machine target does not exist (deleted, or a wrong ARN), with 2 retries and a DLQ.
    const model = pipelineModel()
    const dlq = model.queues.find((queue) => queue.name === 'RuleTargetDeadLetters')!
    const broken = await startPipeline({
      targetRetryBaseMs: 5,
      model: {
        ...model,
        rules: [
          ...model.rules,
          {
            name: 'StartMissingWorkflow',
            bus: 'Pipeline',
            pattern: { source: ['tests'] },
            targets: [
              {
                id: 'Missing',
                arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Missing',
                deadLetterArn: dlq.arn,
                maximumRetryAttempts: 2,
                maximumEventAgeSeconds: 3600,
              },
            ],
          },
        ],
      },
    })
    try {
      // Act
      const put = await postJson<{ Entries: Array<{ EventId: string }> }>(`${broken.url}/events`, {
        Entries: [{ Source: 'tests', DetailType: 'Ping', Detail: '{"n":1}', EventBusName: 'Pipeline' }],
      })
      while (broken.runtime.bus.retryDueDeliveries() > 0) await new Promise((resolve) => setTimeout(resolve, 5))

      // Assess
      const letters = broken.runtime.queues.messages('RuleTargetDeadLetters')
      expect(letters).toHaveLength(1)
      expect(letters[0]!.body).toMatchObject({
        rule: 'StartMissingWorkflow',
        target: 'Missing',
        error: 'TargetInvocationFailed',
        cause: expect.stringMatching(/does not exist/i),
        attempts: 3,
        event: { id: put.body.Entries[0]!.EventId, source: 'tests' },
      })
    } finally {
      await broken.close()
    }
  })
})
