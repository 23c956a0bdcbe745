/**
 * EventPublisherBus: the EventPublisher contract over the real local bus in a real data directory, what it published
 * read back from the bus's event log; then what only this adapter does.
 */
import { Exit, Layer } from 'effect'
import type { AnyEvent } from '../../contracts/envelope'
import { TransientError } from '../../contracts/errors'
import { EventPublisherBus } from '../../infra/local/layers/event-publisher-bus'
import { PipelineConfig } from '../../steps/services/config'
import { EventPublisher } from '../../steps/services/event-publisher'
import { eventPublisherContract, type PublishedEvent } from '../contracts/event-publisher'
import { localNames, localStores, type LocalStores } from '../support/local-stores'
import { runWith } from '../support/run-with'

afterEach(localStores.cleanUp)

const config = Layer.succeed(PipelineConfig, {
  busName: localNames.pipelineBus,
  maxImageBytes: 1,
  maxImagePixels: 1,
})
const publisherOver = (stores: LocalStores) => EventPublisherBus(stores.bus).pipe(Layer.provide(config))

let current: LocalStores | undefined

/** The bus's event log, oldest first. */
const eventLog = (stores: LocalStores): ReadonlyArray<PublishedEvent> =>
  (stores.db.prepare('SELECT bus, event FROM events ORDER BY seq').all() as Array<{ bus: string; event: string }>).map(
    (row) => {
      const event = JSON.parse(row.event) as AnyEvent
      return {
        bus: row.bus,
        source: event.source,
        detailType: event['detail-type'],
        detail: event.detail,
        resources: event.resources,
        time: new Date(event.time).toISOString(),
      }
    },
  )

eventPublisherContract(
  'local bus',
  () => {
    current = localStores.open()
    return publisherOver(current)
  },
  {
    busName: localNames.pipelineBus,
    missingBus: 'no-such-bus',
    published: () => (current === undefined ? [] : eventLog(current)),
    backendFailure: {
      failing: () => {
        const stores = localStores.open()
        stores.close()
        return publisherOver(stores)
      },
    },
  },
)

describe('EventPublisherBus, beyond the contract', () => {
  it("names the refused entries' reasons in the TransientError, as the bus gave them", async () => {
    const exit = await runWith(
      publisherOver(localStores.open()),
      EventPublisher,
    )((publisher) =>
      publisher.publish([
        { EventBusName: 'nowhere', Source: 'pipeline.images', DetailType: 'ImageProcessed', Detail: '{}' },
      ]),
    )

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'events:PutEvents', message: 'Event bus nowhere does not exist.' })),
    )
  })
})
