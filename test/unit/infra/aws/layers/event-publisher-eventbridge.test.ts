import { EventBridgeClient, InternalException, PutEventsCommand } from '@aws-sdk/client-eventbridge'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit, Layer } from 'effect'
import type { PutEventsEntry } from '../../../../../contracts/envelope'
import { TransientError } from '../../../../../contracts/errors'
import { EventPublisherEventBridge } from '../../../../../infra/aws/layers/event-publisher-eventbridge'
import { PipelineConfig } from '../../../../../steps/services/config'
import { EventPublisher } from '../../../../../steps/services/event-publisher'
import { runWith } from '../../../../support/run-with'
import { defectOf } from '../../../../support/exits'

const client = new EventBridgeClient({ region: 'eu-west-1' })
const eventbridge = mockClient(client)
const config = Layer.succeed(PipelineConfig, { busName: 'pipeline-bus', maxImageBytes: 1, maxImagePixels: 1 })

const publish = (entries: ReadonlyArray<PutEventsEntry>) =>
  runWith(
    EventPublisherEventBridge(client).pipe(Layer.provide(config)),
    EventPublisher,
  )((publisher) => publisher.publish(entries))

const entry = (n: number): PutEventsEntry => ({
  Source: 'pipeline.images',
  DetailType: 'ImageProcessed',
  Detail: JSON.stringify({ n }),
})

beforeEach(() => eventbridge.reset())

describe('EventPublisherEventBridge', () => {
  it('sends PutEvents to the configured bus', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] })

    const exit = await publish([
      { ...entry(1), Resources: ['arn:aws:s3:::uploads-bucket/uploads/cat.jpg'], Time: '2026-01-01T00:00:00.000Z' },
    ])

    expect(exit).toEqual(Exit.void)
    expect(eventbridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input)).toEqual([
      {
        Entries: [
          {
            Source: 'pipeline.images',
            DetailType: 'ImageProcessed',
            Detail: '{"n":1}',
            EventBusName: 'pipeline-bus',
            Resources: ['arn:aws:s3:::uploads-bucket/uploads/cat.jpg'],
            Time: new Date('2026-01-01T00:00:00.000Z'),
          },
        ],
      },
    ])
  })

  it('keeps the bus an entry names itself', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 })

    await publish([{ ...entry(1), EventBusName: 'other-bus' }])

    expect(eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.EventBusName).toBe('other-bus')
  })

  it('splits more than 10 entries into requests of at most 10', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 })

    await publish(Array.from({ length: 23 }, (_, n) => entry(n)))

    expect(eventbridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([
      10, 10, 3,
    ])
  })

  it('fails with TransientError when some entries are rejected (FailedEntryCount > 0)', async () => {
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e-1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    })

    const exit = await publish([entry(1), entry(2)])

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'EventPublisher.publish',
          message: '1 of 2 entries rejected: ThrottlingException: Rate exceeded',
        }),
      ),
    )
  })

  it('fails with TransientError on an EventBridge internal error', async () => {
    eventbridge.on(PutEventsCommand).rejects(new InternalException({ $metadata: {}, message: 'internal' }))

    const exit = await publish([entry(1)])

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'EventPublisher.publish', message: 'InternalException: internal' })),
    )
  })

  it('dies on AccessDeniedException', async () => {
    const denied = Object.assign(new Error('not authorized to perform events:PutEvents'), {
      name: 'AccessDeniedException',
      $fault: 'client',
    })
    eventbridge.on(PutEventsCommand).rejects(denied)

    const exit = await publish([entry(1)])

    expect(defectOf(exit)).toBe(denied)
  })
})
