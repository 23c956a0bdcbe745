import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import type { AnyEvent, PutEventsEntry } from '../../../../../contracts/envelope'
import { LocalBus, PutEventsValidation, type TargetDispatcher } from '../../../../../infra/local/eventbridge/bus'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { LocalAccount, LocalRegion, type LocalModel, type LocalRule } from '../../../../../infra/local/model/template'
import { awsEvent } from '../../../../support/fixtures'

const busArn = (name: string) => `arn:aws:events:${LocalRegion}:${LocalAccount}:event-bus/${name}`
const stateMachineArn = `arn:aws:states:${LocalRegion}:${LocalAccount}:stateMachine:ImageWorkflow`
const queueArn = `arn:aws:sqs:${LocalRegion}:${LocalAccount}:Outcomes`
const deadLetterArn = `arn:aws:sqs:${LocalRegion}:${LocalAccount}:RuleDeadLetters`
const retry = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 }

const rules: ReadonlyArray<LocalRule> = [
  {
    name: 'ForwardUploads',
    bus: 'default',
    pattern: { source: ['aws.s3'] },
    targets: [{ id: 'PipelineBus', arn: busArn('pipeline'), ...retry }],
  },
  {
    name: 'StartImageWorkflow',
    bus: 'pipeline',
    pattern: { source: ['aws.s3'], 'detail-type': ['Object Created'] },
    targets: [{ id: 'Workflow', arn: stateMachineArn, deadLetterArn, ...retry }],
  },
  {
    name: 'CollectOutcomes',
    bus: 'pipeline',
    pattern: { source: ['pipeline.images'] },
    targets: [{ id: 'Outcomes', arn: queueArn, ...retry }],
  },
  {
    name: 'Unreachable',
    bus: 'pipeline',
    pattern: { source: ['pipeline.unreachable'] },
    targets: [{ id: 'Lambda', arn: 'arn:aws:lambda:us-east-1:000000000000:function:f', deadLetterArn, ...retry }],
  },
]

const model: LocalModel = {
  buses: [
    { name: 'default', arn: busArn('default') },
    { name: 'pipeline', arn: busArn('pipeline') },
  ],
  archives: [
    {
      name: 'PipelineArchive',
      busArn: busArn('pipeline'),
      pattern: { source: ['pipeline.images', 'aws.s3'] },
      retentionDays: 7,
    },
  ],
  rules,
  stateMachines: [],
  functions: [],
  queues: [],
  buckets: [],
}

/** A TargetDispatcher that records every call; `startExecution` throws while `refuse` holds a reason. */
const recordingTargets = () => {
  const calls = {
    started: [] as Array<{ arn: string; event: AnyEvent }>,
    sent: [] as Array<{ arn: string; body: unknown }>,
    refuse: undefined as string | undefined,
  }
  const targets: TargetDispatcher = {
    startExecution: (arn, event) => {
      if (calls.refuse) throw new Error(calls.refuse)
      calls.started.push({ arn, event })
    },
    sendToQueue: (arn, body) => void calls.sent.push({ arn, body: JSON.parse(body) }),
  }
  return { targets, calls }
}

let dataDir: string
let db: DatabaseSync
let bus: LocalBus
let calls: ReturnType<typeof recordingTargets>['calls']

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bus-test-'))
  db = openDatabase(dataDir)
  const recording = recordingTargets()
  calls = recording.calls
  bus = new LocalBus(db, model, recording.targets)
})

afterEach(() => {
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const outcome: PutEventsEntry = {
  EventBusName: 'pipeline',
  Source: 'pipeline.images',
  DetailType: 'ImageProcessed',
  Detail: JSON.stringify({ key: 'uploads/cat.jpg' }),
}
const fixture = (): AnyEvent => awsEvent('s3/object-created.json')
const eventRows = () =>
  db
    .prepare('SELECT id, bus, time, source, detail_type, archive, replay_name, event FROM events ORDER BY seq')
    .all() as Array<{
    id: string
    bus: string
    time: string
    source: string
    detail_type: string
    archive: string | null
    replay_name: string | null
    event: string
  }>

describe('LocalBus.putEvents validation', () => {
  it.each([
    ['no entries', 0],
    ['11 entries', 11],
  ])('throws ValidationException for %s, storing nothing', (_name, count) => {
    const entries = Array.from({ length: count }, () => outcome)

    expect(() => bus.putEvents(entries)).toThrow(PutEventsValidation)
    expect(() => bus.putEvents(entries)).toThrow('Member must have length between 1 and 10')
    expect(eventRows()).toEqual([])
  })

  it('takes 10 entries', () => {
    const result = bus.putEvents(Array.from({ length: 10 }, () => outcome))

    expect(result.FailedEntryCount).toBe(0)
    expect(eventRows()).toHaveLength(10)
  })

  it('throws ValidationException for a batch over 256 KB', () => {
    const big = { ...outcome, Detail: JSON.stringify({ blob: 'x'.repeat(128 * 1024) }) }

    expect(() => bus.putEvents([big, big])).toThrow(
      new PutEventsValidation('Total size of the entries in the request is over the limit of 262144 bytes'),
    )
  })

  it.each([
    [
      'no Source',
      { ...outcome, Source: undefined },
      'InvalidArgument',
      'Parameter Source is not valid. Reason: Source is a required argument.',
    ],
    [
      'an empty Source',
      { ...outcome, Source: '' },
      'InvalidArgument',
      'Parameter Source is not valid. Reason: Source is a required argument.',
    ],
    [
      'no DetailType',
      { ...outcome, DetailType: undefined },
      'InvalidArgument',
      'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    ],
    [
      'no Detail',
      { ...outcome, Detail: undefined },
      'InvalidArgument',
      'Parameter Detail is not valid. Reason: Detail is a required argument.',
    ],
    ['a Detail that is not JSON', { ...outcome, Detail: '{key:' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a JSON array', { ...outcome, Detail: '[1,2]' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a JSON string', { ...outcome, Detail: '"text"' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is JSON null', { ...outcome, Detail: 'null' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a JSON number', { ...outcome, Detail: '42' }, 'MalformedDetail', 'Detail is malformed.'],
    [
      'an unknown bus',
      { ...outcome, EventBusName: 'nowhere' },
      'ResourceNotFoundException',
      'Event bus nowhere does not exist.',
    ],
    [
      'an unknown bus ARN',
      { ...outcome, EventBusName: busArn('nowhere') },
      'ResourceNotFoundException',
      `Event bus ${busArn('nowhere')} does not exist.`,
    ],
  ])('answers a per-entry error for %s and still takes the other entries', (_name, bad, ErrorCode, ErrorMessage) => {
    // Act
    const result = bus.putEvents([outcome, bad as PutEventsEntry, outcome])

    // Assess
    expect(result).toEqual({
      FailedEntryCount: 1,
      Entries: [{ EventId: expect.any(String) }, { ErrorCode, ErrorMessage }, { EventId: expect.any(String) }],
    })
    expect(eventRows().map((row) => row.id)).toEqual([result.Entries[0].EventId, result.Entries[2].EventId])
  })

  it('counts every failed entry', () => {
    const result = bus.putEvents([
      { ...outcome, Detail: '[]' },
      { ...outcome, EventBusName: 'nowhere' },
    ])

    expect(result.FailedEntryCount).toBe(2)
    expect(eventRows()).toEqual([])
  })
})

describe('LocalBus.putEvents delivery', () => {
  it('builds the EventBridge envelope and logs it in the events table', () => {
    // Act
    const result = bus.putEvents([{ ...outcome, Resources: ['arn:aws:s3:::uploads'], Time: '2026-01-02T03:04:05Z' }])

    // Assess
    const [row] = eventRows()
    const event = {
      version: '0',
      id: result.Entries[0].EventId,
      'detail-type': 'ImageProcessed',
      source: 'pipeline.images',
      account: LocalAccount,
      time: '2026-01-02T03:04:05Z',
      region: LocalRegion,
      resources: ['arn:aws:s3:::uploads'],
      detail: { key: 'uploads/cat.jpg' },
    }
    expect(row).toEqual({
      id: event.id,
      bus: 'pipeline',
      time: event.time,
      source: 'pipeline.images',
      detail_type: 'ImageProcessed',
      archive: 'PipelineArchive',
      replay_name: null,
      event: expect.any(String),
    })
    expect(JSON.parse(row.event)).toEqual(event)
  })

  it('stamps the time in whole seconds, as EventBridge does, when the entry has none', () => {
    bus.putEvents([outcome])

    expect(eventRows()[0].time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
  })

  it('puts on the default bus when no bus is named, and finds a bus by its ARN', () => {
    bus.putEvents([
      { ...outcome, EventBusName: undefined },
      { ...outcome, EventBusName: busArn('pipeline') },
    ])

    expect(eventRows().map((row) => row.bus)).toEqual(['default', 'pipeline'])
  })

  it.each([
    ["archives an event its archive's pattern matches", outcome, 'PipelineArchive'],
    ['does not archive an event the pattern does not match', { ...outcome, Source: 'pipeline.other' }, null],
    ['does not archive an event on another bus', { ...outcome, EventBusName: 'default' }, null],
  ])('%s', (_name, entry, archive) => {
    bus.putEvents([entry])

    expect(eventRows().map((row) => row.archive)).toEqual([archive])
  })

  it('sends an event to an SQS target as its JSON', () => {
    const result = bus.putEvents([outcome])

    expect(calls.sent).toEqual([
      { arn: queueArn, body: expect.objectContaining({ id: result.Entries[0].EventId, source: 'pipeline.images' }) },
    ])
  })

  it("forwards between buses: an event on default reaches the pipeline bus's rules, logged once per bus", () => {
    // Prepare
    const seen: Array<[string, string]> = []
    bus.onEvent((event, name) => seen.push([event.id, name]))
    const { source, 'detail-type': detailType, detail } = fixture()

    // Act
    const result = bus.putEvents([{ Source: source, DetailType: detailType, Detail: JSON.stringify(detail) }])

    // Assess
    const id = result.Entries[0].EventId!
    expect(calls.started).toEqual([{ arn: stateMachineArn, event: expect.objectContaining({ id, detail }) }])
    expect(eventRows().map((row) => [row.id, row.bus, row.archive])).toEqual([
      [id, 'default', null],
      [id, 'pipeline', 'PipelineArchive'],
    ])
    expect(seen).toEqual([
      [id, 'default'],
      [id, 'pipeline'],
    ])
  })

  it("retries a target that refuses the event, then sends it to the target's DLQ with the reason once its age runs out", () => {
    // Prepare
    calls.refuse = 'State machine is being deleted'

    // Act: accepted now, retried later; a day on, the event is too old to retry.
    const result = bus.putEvents([
      { EventBusName: 'pipeline', Source: 'aws.s3', DetailType: 'Object Created', Detail: '{}' },
    ])
    const waitingAfterPut = (db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n
    const sentBeforeRetries = calls.sent.length
    const waitingAfterExpiry = bus.retryDueDeliveries(Date.now() + (retry.maximumEventAgeSeconds + 60) * 1000)

    // Assess
    expect(result.FailedEntryCount).toBe(0)
    expect([waitingAfterPut, sentBeforeRetries, waitingAfterExpiry]).toEqual([1, 0, 0])
    expect(calls.sent).toEqual([
      {
        arn: deadLetterArn,
        body: {
          rule: 'StartImageWorkflow',
          target: 'Workflow',
          targetArn: stateMachineArn,
          error: 'TargetInvocationFailed',
          cause: 'State machine is being deleted',
          attempts: 2,
          event: expect.objectContaining({ id: result.Entries[0].EventId }),
        },
      },
    ])
    expect(eventRows()).toHaveLength(1)
  })

  it('delivers on a retry once the target takes the event again', () => {
    calls.refuse = 'Throttled'
    bus.putEvents([{ EventBusName: 'pipeline', Source: 'aws.s3', DetailType: 'Object Created', Detail: '{}' }])
    calls.refuse = undefined

    expect(bus.retryDueDeliveries(Date.now() + 120_000)).toBe(0)
    expect(calls.started).toHaveLength(1)
    expect(calls.sent).toEqual([])
  })

  it('sends to the DLQ a target of a kind the local runtime cannot invoke, after its retries', () => {
    bus.putEvents([{ EventBusName: 'pipeline', Source: 'pipeline.unreachable', DetailType: 'X', Detail: '{}' }])
    bus.retryDueDeliveries(Date.now() + (retry.maximumEventAgeSeconds + 60) * 1000)

    expect(calls.sent).toEqual([
      {
        arn: deadLetterArn,
        body: expect.objectContaining({
          rule: 'Unreachable',
          target: 'Lambda',
          cause: expect.stringContaining('is not a kind the local runtime can invoke'),
        }),
      },
    ])
  })

  it('accepts the event, retries a target without a DLQ, and drops the event only after its retry, as EventBridge does', () => {
    // Prepare
    const seen: string[] = []
    const noRetryNoDlq = new LocalBus(
      db,
      {
        ...model,
        rules: rules.map((rule) => ({
          ...rule,
          targets: rule.targets.map(({ deadLetterArn: _dlq, ...target }) => ({ ...target, maximumRetryAttempts: 1 })),
        })),
      },
      {
        startExecution: () => {
          throw new Error('no capacity')
        },
        sendToQueue: () => undefined,
      },
      { baseDelayMs: 1 },
    )
    noRetryNoDlq.onEvent((event) => seen.push(event.id))
    const dropped = jest.spyOn(console, 'error').mockImplementation(() => undefined)

    // Act
    const result = noRetryNoDlq.putEvents([
      { EventBusName: 'pipeline', Source: 'aws.s3', DetailType: 'Object Created', Detail: '{}' },
    ])
    const waiting = (db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n
    const left = noRetryNoDlq.retryDueDeliveries(Date.now() + 10_000)

    // Assess
    expect(result.FailedEntryCount).toBe(0)
    expect(seen).toEqual([result.Entries[0].EventId])
    // One retry allowed: the first attempt and the retry both fail, then the event is dropped.
    expect([waiting, left]).toEqual([1, 0])
    expect(dropped).toHaveBeenCalledWith(
      expect.stringMatching(/dropped event .* failed 2 time\(s\) and has no DLQ \(no capacity\)/),
    )
    dropped.mockRestore()
  })

  it('stops announcing to a listener once it unsubscribes', () => {
    const seen: string[] = []
    const unsubscribe = bus.onEvent((event) => seen.push(event.id))

    bus.putEvents([outcome])
    unsubscribe()
    bus.putEvents([outcome])

    expect(seen).toHaveLength(1)
  })
})

describe('LocalBus.replay', () => {
  const archived = (): AnyEvent => {
    bus.putEvents([outcome])
    return JSON.parse(eventRows()[0].event) as AnyEvent
  }

  it('re-delivers an archived event with replay-name, to the rules, without archiving it again', () => {
    // Prepare
    const event = archived()
    calls.sent.length = 0

    // Act
    bus.replay('pipeline', event, 'replay-1')

    // Assess
    const [, replayed] = eventRows()
    expect(replayed).toMatchObject({ id: event.id, bus: 'pipeline', archive: null, replay_name: 'replay-1' })
    expect(JSON.parse(replayed.event)).toEqual({ ...event, 'replay-name': 'replay-1' })
    expect(calls.sent).toEqual([{ arn: queueArn, body: { ...event, 'replay-name': 'replay-1' } }])
  })

  it('delivers only to the named rules when the replay names some', () => {
    const event = archived()
    calls.sent.length = 0

    bus.replay('pipeline', event, 'replay-2', ['StartImageWorkflow'])

    expect(calls.sent).toEqual([])
    expect(eventRows()).toHaveLength(2)
  })

  it('does not archive a replayed event forwarded to another bus either', () => {
    const event = fixture()

    bus.replay('default', event, 'replay-3')

    expect(eventRows().map((row) => [row.bus, row.archive, row.replay_name])).toEqual([
      ['default', null, 'replay-3'],
      ['pipeline', null, 'replay-3'],
    ])
    expect(calls.started).toEqual([
      { arn: stateMachineArn, event: expect.objectContaining({ 'replay-name': 'replay-3' }) },
    ])
  })
})

describe('LocalBus.publishServiceEvent', () => {
  it("delivers an AWS service event as given, skipping PutEvents' checks", () => {
    const event = fixture()

    bus.publishServiceEvent('default', event)

    expect(eventRows().map((row) => [row.id, row.bus, row.archive])).toEqual([
      [event.id, 'default', null],
      [event.id, 'pipeline', 'PipelineArchive'],
    ])
    expect(calls.started).toEqual([{ arn: stateMachineArn, event }])
  })
})

describe('LocalBus.busNames', () => {
  it('lists every bus of the model', () => {
    expect(bus.busNames).toEqual(['default', 'pipeline'])
  })
})
