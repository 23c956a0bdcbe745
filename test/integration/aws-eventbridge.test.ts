import {
  CancelReplayCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListEventBusesCommand,
  ListReplaysCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  StartReplayCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge'
import { awsJson, endpointConfig } from '../support/aws-endpoint'
import { getJson, postJson, settle, startPipeline, type RunningPipeline } from '../support/pipeline'

/*
 * EventBridge on the local endpoint, driven by @aws-sdk/client-eventbridge. Each test names the page of the EventBridge
 * API reference it checks (https://docs.aws.amazon.com/eventbridge/latest/APIReference/).
 */
const ApiReference = 'https://docs.aws.amazon.com/eventbridge/latest/APIReference'
const Account = '000000000000'
const busArn = (name: string) => `arn:aws:events:us-east-1:${Account}:event-bus/${name}`
const archiveArn = `arn:aws:events:us-east-1:${Account}:archive/pipeline-archive`

let pipeline: RunningPipeline
let events: EventBridgeClient

const refusal = async (request: Promise<unknown>) => {
  try {
    await request
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } }
  }
  throw new Error('the request was expected to fail')
}

const orderPlaced = (orderId: string) => ({
  EventBusName: 'Pipeline',
  Source: 'pipeline.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify({
    orderId,
    customerId: 'usr_nobody',
    totalAmount: 10,
    currency: 'EUR',
    origin: 'api',
    placedAt: new Date().toISOString(),
  }),
})

const orderRuns = async (orderId: string) =>
  (await getJson<{ executions: Array<{ status: string }> }>(`${pipeline.url}/executions?workflow=order&key=${orderId}`))
    .body.executions

beforeAll(async () => {
  pipeline = await startPipeline()
  events = new EventBridgeClient(endpointConfig(pipeline.url))
})
afterAll(async () => {
  events.destroy()
  await pipeline.close()
})

describe('PutEvents', () => {
  it(`puts an OrderPlaced event that the order rule routes to the order workflow (${ApiReference}/API_PutEvents.html)`, async () => {
    const answer = await events.send(new PutEventsCommand({ Entries: [orderPlaced('eb-api-1')] }))
    await settle(pipeline)

    expect(answer).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] })
    expect((await orderRuns('eb-api-1')).map((run) => run.status)).toEqual(['SUCCEEDED'])
    const put = pipeline.events.find(({ event }) => event.id === answer.Entries![0]!.EventId)!
    expect(put).toMatchObject({ bus: 'Pipeline', event: { source: 'pipeline.orders', 'detail-type': 'OrderPlaced' } })
  })

  it(`answers each entry on its own, exactly as POST /events answers it (${ApiReference}/API_PutEvents.html)`, async () => {
    const entries = [
      { Source: 'tests', DetailType: 'Ping', Detail: '{"n":1}', EventBusName: 'Pipeline' },
      { Source: 'tests', DetailType: 'Ping', Detail: '[1]', EventBusName: 'Pipeline' },
      { DetailType: 'Ping', Detail: '{}', EventBusName: 'Pipeline' },
      { Source: 'tests', DetailType: 'Ping', Detail: '{}', EventBusName: 'nope' },
    ]
    const viaApi = await events.send(new PutEventsCommand({ Entries: entries }))
    const viaRoute = (
      await postJson<{ FailedEntryCount: number; Entries: Array<Record<string, string>> }>(`${pipeline.url}/events`, {
        Entries: entries,
      })
    ).body
    const errorsOf = (answer: { Entries?: Array<{ ErrorCode?: string; ErrorMessage?: string }> }) =>
      answer.Entries!.map(({ ErrorCode, ErrorMessage }) => [ErrorCode ?? 'ok', ErrorMessage ?? ''])

    expect(viaApi.FailedEntryCount).toBe(3)
    expect(errorsOf(viaApi)).toEqual([
      ['ok', ''],
      ['MalformedDetail', 'Detail is malformed.'],
      ['InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.'],
      ['ResourceNotFoundException', 'Event bus nope does not exist.'],
    ])
    expect(errorsOf(viaRoute)).toEqual(errorsOf(viaApi))
  })

  it(`takes the entry's Time as the event's time, to the second (${ApiReference}/API_PutEventsRequestEntry.html)`, async () => {
    const answer = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'tests',
            DetailType: 'Timed',
            Detail: '{}',
            EventBusName: 'Pipeline',
            Time: new Date('2026-03-04T05:06:07.890Z'),
          },
        ],
      }),
    )
    const put = pipeline.events.find(({ event }) => event.id === answer.Entries![0]!.EventId)!
    expect(put.event.time).toBe('2026-03-04T05:06:07Z')
  })
})

describe('buses and rules', () => {
  it(`lists the buses (${ApiReference}/API_ListEventBuses.html)`, async () => {
    const { EventBuses } = await events.send(new ListEventBusesCommand({}))
    expect(EventBuses!.map(({ Name, Arn }) => [Name, Arn])).toEqual([
      // In name order, as every list is paged: the bus named after the stack sorts before 'default'.
      ['Pipeline', busArn('Pipeline')],
      ['default', busArn('default')],
    ])
    expect(EventBuses![0]!.CreationTime).toBeInstanceOf(Date)
  })

  it(`lists a bus's rules by prefix, a page at a time, the token round-tripping (${ApiReference}/API_ListRules.html)`, async () => {
    const pages: string[][] = []
    let NextToken: string | undefined
    do {
      const page = await events.send(new ListRulesCommand({ EventBusName: 'Pipeline', Limit: 2, NextToken }))
      pages.push(page.Rules!.map((rule) => rule.Name!))
      NextToken = page.NextToken
    } while (NextToken)
    const started = await events.send(new ListRulesCommand({ EventBusName: busArn('Pipeline'), NamePrefix: 'StartI' }))
    const onDefault = await events.send(new ListRulesCommand({}))

    expect(pages.flat()).toEqual([
      'StartChangeWorkflow',
      'StartImageWorkflow',
      'StartImportWorkflow',
      'StartOrderWorkflow',
    ])
    expect(pages.every((page) => page.length <= 2)).toBe(true)
    expect(started.Rules!.map((rule) => rule.Name)).toEqual(['StartImageWorkflow', 'StartImportWorkflow'])
    expect(started.Rules![0]).toMatchObject({
      Arn: `arn:aws:events:us-east-1:${Account}:rule/Pipeline/StartImageWorkflow`,
      State: 'ENABLED',
      EventBusName: 'Pipeline',
    })
    expect(JSON.parse(started.Rules![0]!.EventPattern!)).toMatchObject({ source: ['aws.s3'] })
    // On the default bus: S3's notifications forwarded, and the Standard workflows' uncaught ends sent to their DLQs.
    expect(onDefault.Rules!.map((rule) => rule.Name)).toEqual([
      'BulkImportDeadLetterUncaughtEnds',
      'ForwardUploadNotifications',
      'ImageProcessingDeadLetterUncaughtEnds',
    ])
  })

  it(`describes a rule and lists its targets with their retry policy and DLQ (${ApiReference}/API_DescribeRule.html, ${ApiReference}/API_ListTargetsByRule.html)`, async () => {
    const rule = await events.send(new DescribeRuleCommand({ Name: 'StartOrderWorkflow', EventBusName: 'Pipeline' }))
    const { Targets } = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'StartOrderWorkflow', EventBusName: 'Pipeline' }),
    )

    expect(rule).toMatchObject({
      Name: 'StartOrderWorkflow',
      Arn: `arn:aws:events:us-east-1:${Account}:rule/Pipeline/StartOrderWorkflow`,
      State: 'ENABLED',
      EventBusName: 'Pipeline',
    })
    expect(Targets).toEqual([
      {
        Id: 'Target0',
        Arn: expect.stringMatching(/^arn:aws:states:us-east-1:000000000000:stateMachine:/),
        DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${Account}:RuleTargetDeadLetters` },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
      },
    ])
  })

  it(`tests an event pattern with the bus's matcher (${ApiReference}/API_TestEventPattern.html)`, async () => {
    const event = JSON.stringify({
      id: '1',
      account: Account,
      source: 'aws.s3',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      'detail-type': 'Object Created',
      detail: { object: { key: 'uploads/cat.jpg' } },
    })
    const test = (pattern: unknown) =>
      events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: event }))

    expect((await test({ detail: { object: { key: [{ prefix: 'uploads/' }] } } })).Result).toBe(true)
    expect((await test({ source: ['aws.ec2'] })).Result).toBe(false)
  })
})

describe('the archive and replays', () => {
  it(`lists and describes the archive with what it holds (${ApiReference}/API_ListArchives.html, ${ApiReference}/API_DescribeArchive.html)`, async () => {
    const { Archives } = await events.send(new ListArchivesCommand({ EventSourceArn: busArn('Pipeline') }))
    const archive = await events.send(new DescribeArchiveCommand({ ArchiveName: 'pipeline-archive' }))

    expect(Archives).toEqual([
      expect.objectContaining({
        ArchiveName: 'pipeline-archive',
        EventSourceArn: busArn('Pipeline'),
        State: 'ENABLED',
        RetentionDays: 30,
      }),
    ])
    expect(archive).toMatchObject({
      ArchiveArn: archiveArn,
      ArchiveName: 'pipeline-archive',
      EventSourceArn: busArn('Pipeline'),
      State: 'ENABLED',
      RetentionDays: 30,
      EventPattern: JSON.stringify({ account: [Account] }),
    })
    expect(archive.EventCount).toBeGreaterThan(0)
    expect(archive.SizeBytes).toBeGreaterThan(0)
    expect(archive.CreationTime).toBeInstanceOf(Date)
  })

  it(`replays a window to the rules named, to COMPLETED, and lists and describes the replay (${ApiReference}/API_StartReplay.html, ${ApiReference}/API_DescribeReplay.html, ${ApiReference}/API_ListReplays.html)`, async () => {
    // Prepare: an OrderPlaced in the archive.
    const from = new Date(Date.now() - 1000)
    await events.send(new PutEventsCommand({ Entries: [orderPlaced('eb-replay-1')] }))
    await settle(pipeline)
    const to = new Date(Date.now() + 1)

    // Act
    const started = await events.send(
      new StartReplayCommand({
        ReplayName: 'eb-api-replay',
        EventSourceArn: archiveArn,
        EventStartTime: from,
        EventEndTime: to,
        Destination: {
          Arn: busArn('Pipeline'),
          FilterArns: [`arn:aws:events:us-east-1:${Account}:rule/Pipeline/StartOrderWorkflow`],
        },
      }),
    )
    await pipeline.runtime.replayer.settled('eb-api-replay')
    await settle(pipeline)
    const described = await events.send(new DescribeReplayCommand({ ReplayName: 'eb-api-replay' }))
    const listed = await events.send(new ListReplaysCommand({ NamePrefix: 'eb-api', EventSourceArn: archiveArn }))

    // Assess
    expect(started).toMatchObject({
      ReplayArn: `arn:aws:events:us-east-1:${Account}:replay/eb-api-replay`,
      State: expect.stringMatching(/^(STARTING|RUNNING)$/),
    })
    expect(described).toMatchObject({
      ReplayName: 'eb-api-replay',
      ReplayArn: `arn:aws:events:us-east-1:${Account}:replay/eb-api-replay`,
      State: 'COMPLETED',
      EventSourceArn: archiveArn,
      Destination: {
        Arn: busArn('Pipeline'),
        FilterArns: [`arn:aws:events:us-east-1:${Account}:rule/Pipeline/StartOrderWorkflow`],
      },
    })
    expect([described.EventStartTime, described.EventEndTime]).toEqual([from, to])
    expect(described.ReplayEndTime).toBeInstanceOf(Date)
    expect(listed.Replays!.map((replay) => [replay.ReplayName, replay.State])).toEqual([['eb-api-replay', 'COMPLETED']])
    // The replayed OrderPlaced started the order workflow again, carrying replay-name.
    expect(await orderRuns('eb-replay-1')).toHaveLength(2)
    expect(pipeline.events.some(({ event }) => event['replay-name'] === 'eb-api-replay')).toBe(true)
  })

  it(`refuses to cancel a replay that ended, and cancels one that runs (${ApiReference}/API_CancelReplay.html)`, async () => {
    const ended = await refusal(events.send(new CancelReplayCommand({ ReplayName: 'eb-api-replay' })))
    // Started and cancelled in one tick: the replay has surely not ended yet.
    pipeline.runtime.replayer.start({
      name: 'eb-api-cancel',
      from: new Date(Date.now() - 60_000).toISOString(),
      to: new Date().toISOString(),
    })
    const cancelled = await events.send(new CancelReplayCommand({ ReplayName: 'eb-api-cancel' }))

    expect(ended).toMatchObject({ name: 'IllegalStatusException', $metadata: { httpStatusCode: 400 } })
    expect(cancelled).toMatchObject({
      ReplayArn: `arn:aws:events:us-east-1:${Account}:replay/eb-api-cancel`,
      State: 'CANCELLED',
    })
  })
})

describe('bad requests', () => {
  const now = new Date()
  const hourAgo = new Date(now.getTime() - 3_600_000)
  const sdkRows: Array<[string, () => Promise<unknown>, string, RegExp | string]> = [
    [
      `an unknown rule (${ApiReference}/API_DescribeRule.html)`,
      () => events.send(new DescribeRuleCommand({ Name: 'NoSuchRule', EventBusName: 'Pipeline' })),
      'ResourceNotFoundException',
      'Rule NoSuchRule does not exist on EventBus Pipeline.',
    ],
    [
      `an unknown bus (${ApiReference}/API_ListRules.html)`,
      () => events.send(new ListRulesCommand({ EventBusName: 'nope' })),
      'ResourceNotFoundException',
      'Event bus nope does not exist.',
    ],
    [
      `an unknown archive (${ApiReference}/API_DescribeArchive.html)`,
      () => events.send(new DescribeArchiveCommand({ ArchiveName: 'nope' })),
      'ResourceNotFoundException',
      'Archive nope does not exist.',
    ],
    [
      `an unknown replay (${ApiReference}/API_DescribeReplay.html)`,
      () => events.send(new DescribeReplayCommand({ ReplayName: 'nope' })),
      'ResourceNotFoundException',
      'Replay nope does not exist.',
    ],
    [
      `a missing parameter (${ApiReference}/API_DescribeRule.html)`,
      () => events.send(new DescribeRuleCommand({} as never)),
      'ValidationException',
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    ],
    [
      `a limit out of range (${ApiReference}/API_ListRules.html)`,
      () => events.send(new ListRulesCommand({ Limit: 0 })),
      'ValidationException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      `a replay name with a slash (${ApiReference}/API_StartReplay.html)`,
      () =>
        events.send(
          new StartReplayCommand({
            ReplayName: 'a/b',
            EventSourceArn: archiveArn,
            EventStartTime: hourAgo,
            EventEndTime: now,
            Destination: { Arn: busArn('Pipeline') },
          }),
        ),
      'ValidationException',
      "1 validation error detected: Value 'a/b' at 'replayName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    ],
    [
      `a replay of an archive that does not exist (${ApiReference}/API_StartReplay.html)`,
      () =>
        events.send(
          new StartReplayCommand({
            ReplayName: 'r1',
            EventSourceArn: `arn:aws:events:us-east-1:${Account}:archive/nope`,
            EventStartTime: hourAgo,
            EventEndTime: now,
            Destination: { Arn: busArn('Pipeline') },
          }),
        ),
      'ValidationException',
      'Parameter EventSourceArn is not valid. Reason: Archive nope does not exist.',
    ],
    [
      `a replay to another bus (${ApiReference}/API_StartReplay.html)`,
      () =>
        events.send(
          new StartReplayCommand({
            ReplayName: 'r2',
            EventSourceArn: archiveArn,
            EventStartTime: hourAgo,
            EventEndTime: now,
            Destination: { Arn: busArn('default') },
          }),
        ),
      'ValidationException',
      'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
    ],
    [
      `a replay window that ends before it starts (${ApiReference}/API_StartReplay.html)`,
      () =>
        events.send(
          new StartReplayCommand({
            ReplayName: 'r3',
            EventSourceArn: archiveArn,
            EventStartTime: now,
            EventEndTime: hourAgo,
            Destination: { Arn: busArn('Pipeline') },
          }),
        ),
      'ValidationException',
      'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
    ],
    [
      `a replay name in use (${ApiReference}/API_StartReplay.html)`,
      () =>
        events.send(
          new StartReplayCommand({
            ReplayName: 'eb-api-replay',
            EventSourceArn: archiveArn,
            EventStartTime: hourAgo,
            EventEndTime: now,
            Destination: { Arn: busArn('Pipeline') },
          }),
        ),
      'ResourceAlreadyExistsException',
      'Replay eb-api-replay already exists.',
    ],
    [
      `an invalid event pattern (${ApiReference}/API_TestEventPattern.html)`,
      () =>
        events.send(
          new TestEventPatternCommand({
            EventPattern: '{"source":"aws.s3"}',
            Event: JSON.stringify({
              id: '1',
              account: Account,
              source: 's',
              time: 't',
              region: 'r',
              'detail-type': 'd',
            }),
          }),
        ),
      'InvalidEventPatternException',
      /^Event pattern is not valid\. Reason: "source" must be an object or an array/,
    ],
    [
      `an event pattern over 4096 characters (${ApiReference}/API_TestEventPattern.html)`,
      () =>
        events.send(
          new TestEventPatternCommand({
            EventPattern: JSON.stringify({ source: ['x'.repeat(4096)] }),
            Event: JSON.stringify({
              id: '1',
              account: Account,
              source: 's',
              time: 't',
              region: 'r',
              'detail-type': 'd',
            }),
          }),
        ),
      'ValidationException',
      /at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096$/,
    ],
    [
      `an event without the fields TestEventPattern requires (${ApiReference}/API_TestEventPattern.html)`,
      () => events.send(new TestEventPatternCommand({ EventPattern: '{"source":["s"]}', Event: '{"source":"s"}' })),
      'ValidationException',
      'Parameter Event is not valid.',
    ],
    [
      `eleven entries (${ApiReference}/API_PutEvents.html)`,
      () =>
        events.send(
          new PutEventsCommand({
            Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })),
          }),
        ),
      'ValidationException',
      /Member must have length between 1 and 10/,
    ],
    [
      `entries over 256 KB, the oversized body (${ApiReference}/API_PutEvents.html)`,
      () =>
        events.send(
          new PutEventsCommand({
            Entries: [
              { Source: 's', DetailType: 'd', Detail: JSON.stringify({ pad: 'x'.repeat(200 * 1024) }) },
              { Source: 's', DetailType: 'd', Detail: JSON.stringify({ pad: 'x'.repeat(60 * 1024) }) },
            ],
          }),
        ),
      'ValidationException',
      /^Total size of the entries in the request is over the limit/,
    ],
  ]

  it.each(sdkRows)('refuses %s', async (_name, request, name, message) => {
    const error = await refusal(request())
    expect(error.name).toBe(name)
    expect(error.$metadata.httpStatusCode).toBe(400)
    expect(error.message).toMatch(message)
  })

  it.each<[string, string, string, string]>([
    ['an unknown operation', 'AWSEvents.Frobnicate', '{}', 'UnknownOperationException'],
    ['a wrong type', 'AWSEvents.ListRules', '{"Limit":"ten"}', 'SerializationException'],
    ['a body that is not JSON', 'AWSEvents.ListRules', '{"Limit":', 'SerializationException'],
  ])(
    `answers %s in the JSON protocol's error shape (${ApiReference}/CommonErrors.html)`,
    async (_name, target, body, type) => {
      const answer = await awsJson(pipeline.url, target, body, '1.1')
      expect(answer.status).toBe(400)
      expect(answer.headers.get('content-type')).toBe('application/x-amz-json-1.1')
      expect(answer.json).toEqual({ __type: type, message: expect.any(String) })
    },
  )
})
