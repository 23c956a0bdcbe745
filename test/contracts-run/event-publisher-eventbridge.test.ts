/**
 * EventPublisherEventBridge: the EventPublisher contract over an EventBridge client whose PutEvents is answered by
 * aws-sdk-client-mock (EventBridge has no emulator here), the way EventBridge answers per entry: an entry for a bus
 * that does not exist gets ResourceNotFoundException, the others an EventId, and a request of no entries or more than
 * ten is refused whole
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). What reached "the bus" is what the
 * mock accepted from the requests the adapter sent. The backend failure is a real client against an endpoint that
 * answers HTTP 500. The request shapes are asserted in test/unit/infra/aws/layers/event-publisher-eventbridge.test.ts.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge'
import { mockClient } from 'aws-sdk-client-mock'
import { Layer } from 'effect'
import { EventPublisherEventBridge } from '../../infra/aws/layers/event-publisher-eventbridge'
import { PipelineConfig } from '../../steps/services/config'
import { eventPublisherContract, type PublishedEvent } from '../contracts/event-publisher'
import {
  clientSettings,
  eventBridgeInternalError,
  unavailableEndpoint,
  type UnavailableEndpoint,
} from '../support/emulators'

const busName = 'pipeline-bus'
const buses = new Set([busName, 'default'])
const config = Layer.succeed(PipelineConfig, { busName, maxImageBytes: 1, maxImagePixels: 1 })

const client = new EventBridgeClient({ region: 'us-east-1' })
const eventbridge = mockClient(client)
let unavailable: UnavailableEndpoint
let failingClient: EventBridgeClient

beforeAll(async () => {
  unavailable = await unavailableEndpoint(eventBridgeInternalError)
  failingClient = new EventBridgeClient(clientSettings(unavailable.endpoint))
})
afterAll(async () => {
  failingClient.destroy()
  await unavailable.stop()
})

/** The entries the mock accepted, in order. */
let accepted: PutEventsRequestEntry[] = []

const answer = async (input: PutEventsCommandInput) => {
  const count = input.Entries?.length ?? 0
  if (count < 1 || count > 10)
    throw Object.assign(new Error(`Entries must have length between 1 and 10, got ${count}`), {
      name: 'ValidationException',
      $fault: 'client',
    })
  const results = (input.Entries ?? []).map((entry): PutEventsResultEntry => {
    if (!buses.has(entry.EventBusName ?? 'default'))
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
      }
    accepted.push(entry)
    return { EventId: `event-${accepted.length}` }
  })
  return { FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length, Entries: results }
}

const published = (): ReadonlyArray<PublishedEvent> =>
  accepted.map((entry) => ({
    bus: entry.EventBusName ?? 'default',
    source: entry.Source ?? '',
    detailType: entry.DetailType ?? '',
    detail: JSON.parse(entry.Detail ?? 'null'),
    resources: entry.Resources ?? [],
    ...(entry.Time === undefined ? {} : { time: entry.Time.toISOString() }),
  }))

eventPublisherContract(
  'EventBridge (aws-sdk-client-mock)',
  () => {
    accepted = []
    eventbridge.reset()
    eventbridge.on(PutEventsCommand).callsFake(answer)
    return EventPublisherEventBridge(client).pipe(Layer.provide(config))
  },
  {
    busName,
    missingBus: 'no-such-bus',
    published,
    backendFailure: { failing: () => EventPublisherEventBridge(failingClient).pipe(Layer.provide(config)) },
  },
)
