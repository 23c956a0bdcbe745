import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { LocalStreamShard, readDeadLetter, StreamBatchDeadLetter } from '../../../../../contracts/dead-letters'
import { LocalTables } from '../../../../../infra/local/dynamodb/tables'
import { LocalBus } from '../../../../../infra/local/eventbridge/bus'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { InvalidFilterCriteria } from '../../../../../infra/local/lambda/errors'
import { startPollers, validateFilters } from '../../../../../infra/local/lambda/pollers'
import { LocalAccount, LocalRegion, type LocalModel, type LocalPipe } from '../../../../../infra/local/model/template'
import { LocalQueues } from '../../../../../infra/local/sqs/queues'
import { pipelineModel } from '../../../../support/pipeline'

const arn = (service: string, resource: string) => `arn:aws:${service}:${LocalRegion}:${LocalAccount}:${resource}`
const tableArn = arn('dynamodb', 'table/Users')
const streamArn = `${tableArn}/stream/local`
const busArn = arn('events', 'event-bus/pipeline')
const dlqArn = arn('sqs', 'PipeDeadLetters')
const enrichment = arn('lambda', 'function:decode-users')

const pipe = (settings: Partial<LocalPipe> = {}): LocalPipe => ({
  name: 'UserChangesPipe',
  sourceArn: streamArn,
  enrichmentArn: enrichment,
  targetArn: busArn,
  detailType: 'UserChanged',
  source: 'pipeline.changes',
  batchSize: 10,
  maximumRetryAttempts: 1,
  deadLetterArn: dlqArn,
  filters: [],
  ...settings,
})

const modelWith = (pipes: ReadonlyArray<LocalPipe>, extra: Partial<LocalModel> = {}): LocalModel => ({
  buses: [
    { name: 'default', arn: arn('events', 'event-bus/default') },
    { name: 'pipeline', arn: busArn },
  ],
  archives: [],
  rules: [],
  stateMachines: [],
  functions: [],
  queues: [{ name: 'PipeDeadLetters', url: 'http://sqs.local/PipeDeadLetters', arn: dlqArn }],
  buckets: [],
  tables: [{ name: 'Users', arn: tableArn, streamArn }],
  pipes,
  ...extra,
})

describe('filters a pipe or an event source mapping cannot take', () => {
  // CreatePipe and CreateEventSourceMapping refuse them (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html,
  // "Pipe support"; https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html): so does the runtime, before it starts.
  const excludingReservations = JSON.stringify({
    dynamodb: { Keys: { userId: { S: [{ 'anything-but': { prefix: 'username#' } }] } } },
  })

  it("refuses a pipe whose filter uses anything-but with prefix, with AWS's reason", () => {
    const model = modelWith([pipe({ filters: [excludingReservations] })])

    expect(() => validateFilters(model)).toThrow(InvalidFilterCriteria)
    expect(() => validateFilters(model)).toThrow(
      'Pipe UserChangesPipe: ValidationException: Invalid filter pattern definition. (Filters[0]: anything-but with prefix is not supported in the filter of a pipe or an event source mapping at dynamodb.Keys.userId.S[0].anything-but.prefix)',
    )
  })

  it("refuses an SQS event source mapping whose filter uses wildcard, with Lambda's reason", () => {
    const model = modelWith([], {
      eventSourceMappings: [
        {
          sourceArn: arn('sqs', 'OrdersQueue'),
          functionName: 'receive-orders',
          batchSize: 10,
          reportBatchItemFailures: true,
          filters: ['{"body": {"orderId": [{"wildcard": "ord-*"}]}}'],
        },
      ],
    })

    expect(() => validateFilters(model)).toThrow(
      /^Event source mapping OrdersQueue → receive-orders: InvalidParameterValueException: Invalid filter pattern definition\. \(Filters\[0\]: wildcard is not supported/,
    )
  })

  it("takes every filter of the synthesized pipeline's pipes and mappings", () => {
    const model = pipelineModel()

    expect(model.pipes?.flatMap((candidate) => candidate.filters).length).toBeGreaterThan(0)
    expect(() => validateFilters(model)).not.toThrow()
  })
})

describe('a pipe from a DynamoDB stream', () => {
  let dataDir: string
  let db: DatabaseSync
  let queues: LocalQueues
  let tables: LocalTables
  let stop: () => Promise<void>

  const start = (settings: Partial<LocalPipe>, enrich: (records: unknown[]) => unknown) => {
    const model = modelWith([pipe(settings)])
    db = openDatabase(dataDir)
    queues = new LocalQueues(db, model)
    tables = new LocalTables(db, model)
    const bus = new LocalBus(db, model, { startExecution: () => undefined, sendToQueue: () => undefined })
    const pollers = startPollers({
      mappings: [],
      pipes: model.pipes ?? [],
      db,
      bus,
      queues,
      tables,
      invoke: (_name, payload) => Promise.resolve().then(() => enrich(payload as unknown[])),
    })
    stop = () => pollers.stop()
  }

  const writeUsers = (...ids: string[]) => {
    for (const id of ids) tables.put('Users', id, 'userId', { userId: id, status: 'active' })
  }
  const published = () =>
    (db.prepare("SELECT event FROM events WHERE bus = 'pipeline' ORDER BY seq").all() as Array<{ event: string }>).map(
      (row) => (JSON.parse(row.event) as { detail: { id: string } }).detail.id,
    )
  const deadLetters = () => queues.messages('PipeDeadLetters').map((message) => message.body)
  const until = async (done: () => boolean, ms = 10_000) => {
    for (const end = Date.now() + ms; !done();) {
      if (Date.now() > end) throw new Error('timed out')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  const idOf = (record: unknown) => (record as { dynamodb: { Keys: { userId: { S: string } } } }).dynamodb.Keys.userId.S

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pollers-test-'))
    // A pipe giving up logs why on the console, as Pipes logs it; the tests read the DLQ instead.
    jest.spyOn(console, 'error').mockImplementation(() => undefined)
  })

  afterEach(async () => {
    jest.restoreAllMocks()
    await stop()
    db.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('sends the place of a batch it gives up on to its DLQ, never the records (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html)', async () => {
    // Prepare: an enrichment that always fails
    start({ maximumRetryAttempts: 1 }, () => {
      throw new Error('enrichment down')
    })

    // Act
    writeUsers('usr_a', 'usr_b')
    await until(() => deadLetters().length === 1)

    // Assess: batch metadata with the shard and the sequence range, nothing of the items
    const [letter] = deadLetters()
    const decoded = StreamBatchDeadLetter.make(letter as StreamBatchDeadLetter)
    const records = (
      db.prepare('SELECT record FROM stream_records ORDER BY seq').all() as Array<{ record: string }>
    ).map((row) => JSON.parse(row.record) as { dynamodb: { SequenceNumber: string } })
    expect(decoded.DDBStreamBatchInfo).toEqual(
      expect.objectContaining({
        shardId: LocalStreamShard,
        startSequenceNumber: records[0]!.dynamodb.SequenceNumber,
        endSequenceNumber: records[1]!.dynamodb.SequenceNumber,
        batchSize: 2,
        streamArn,
      }),
    )
    expect(decoded.requestContext).toEqual(
      expect.objectContaining({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 }),
    )
    expect(JSON.stringify(letter)).not.toContain('usr_a')
    expect(readDeadLetter(letter)?.kind).toBe('stream-batch')
  })

  it('bisects a failing batch with AUTOMATIC_BISECT until the one failing record is alone (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html)', async () => {
    // Prepare: one poison record among four
    start({ onPartialBatchItemFailure: 'AUTOMATIC_BISECT', maximumRetryAttempts: 0 }, (records) => {
      if (records.some((record) => idOf(record) === 'usr_c')) throw new Error('poison')
      return records.map((record) => ({ id: idOf(record) }))
    })

    // Act
    writeUsers('usr_a', 'usr_b', 'usr_c', 'usr_d')
    await until(() => published().length === 3 && deadLetters().length === 1)

    // Assess: the others went through, in order; only the poison record's place is dead-lettered
    expect(published()).toEqual(['usr_a', 'usr_b', 'usr_d'])
    const [letter] = deadLetters() as StreamBatchDeadLetter[]
    expect(letter!.DDBStreamBatchInfo.batchSize).toBe(1)
  })

  it('without AUTOMATIC_BISECT dead-letters the whole failing batch', async () => {
    start({ maximumRetryAttempts: 0 }, (records) => {
      if (records.some((record) => idOf(record) === 'usr_c')) throw new Error('poison')
      return records.map((record) => ({ id: idOf(record) }))
    })

    writeUsers('usr_a', 'usr_b', 'usr_c', 'usr_d')
    await until(() => deadLetters().length === 1)

    expect(published()).toEqual([])
    expect((deadLetters() as StreamBatchDeadLetter[])[0]!.DDBStreamBatchInfo.batchSize).toBe(4)
  })

  it('gathers records for its batching window before it invokes (MaximumBatchingWindowInSeconds)', async () => {
    const batches: number[] = []
    start({ maximumBatchingWindowSeconds: 0.3 }, (records) => {
      batches.push(records.length)
      return records.map((record) => ({ id: idOf(record) }))
    })

    writeUsers('usr_a')
    await new Promise((resolve) => setTimeout(resolve, 100))
    writeUsers('usr_b', 'usr_c')
    await until(() => published().length === 3)

    expect(batches).toEqual([3])
  })

  it('drops the records its filter does not match before the enrichment sees them', async () => {
    const seen: string[] = []
    start({ filters: [JSON.stringify({ dynamodb: { Keys: { userId: { S: [{ prefix: 'usr_' }] } } } })] }, (records) => {
      seen.push(...records.map(idOf))
      return records.map((record) => ({ id: idOf(record) }))
    })

    writeUsers('usr_a', 'username#ada', 'usr_b')
    await until(() => published().length === 2)

    expect(seen).toEqual(['usr_a', 'usr_b'])
  })
})
