import { Exit } from 'effect'
import type { PutEventsEntry } from '../../contracts/envelope'
import { EventPublisher } from '../../steps/services/event-publisher'
import { runWith, type RunWithService } from '../support/run-with'
import { failingLayer, transientFailure, type ContractOptions, type MakeLayer } from './kit'

type Publisher = typeof EventPublisher.Service

/** An event as it reached a bus, whatever the implementation keeps of it: its time as ISO with milliseconds. */
export interface PublishedEvent {
  readonly bus: string
  readonly source: string
  readonly detailType: string
  readonly detail: unknown
  readonly resources: ReadonlyArray<string>
  readonly time?: string
}

export interface EventPublisherContractOptions extends ContractOptions<EventPublisher> {
  /** The pipeline bus (`PipelineConfig.busName`), where an entry that names no bus goes. */
  readonly busName: string
  /** A bus that does not exist, whose entries the backend refuses. */
  readonly missingBus: string
  /** Every event the backend of the layer last made took, in order. */
  readonly published: () => ReadonlyArray<PublishedEvent> | Promise<ReadonlyArray<PublishedEvent>>
}

const entry = (n: number, bus?: string): PutEventsEntry => ({
  Source: 'pipeline.images',
  DetailType: 'ImageProcessed',
  Detail: JSON.stringify({ n }),
  ...(bus === undefined ? {} : { EventBusName: bus }),
})

/**
 * What every {@link EventPublisher} promises (steps/services/event-publisher.ts), as EventBridge PutEvents behaves
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html):
 * - each entry reaches the bus it names, or the pipeline bus when it names none, with its source, detail type, detail,
 *   resources and time; any number of entries is published, in order (PutEvents takes 1 to 10 a request, so an
 *   implementation splits them, and sends nothing for none);
 * - PutEvents answers per entry and accepts the others when one is refused (a bus that does not exist answers
 *   ResourceNotFoundException for its entries, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html#eb-failure-handling):
 *   the call then fails with a TransientError, so the workflow retries it, and the entries accepted stay published;
 * - a failing backend is a TransientError.
 */
export const eventPublisherContract = (
  name: string,
  layer: MakeLayer<EventPublisher>,
  options: EventPublisherContractOptions,
) =>
  describe(`EventPublisher: ${name}`, () => {
    let run: RunWithService<Publisher, EventPublisher, never>
    beforeEach(async () => {
      run = runWith(await layer(), EventPublisher)
    })

    const published = async () => [...(await options.published())]
    const event = (n: number, bus = options.busName): PublishedEvent => ({
      bus,
      source: 'pipeline.images',
      detailType: 'ImageProcessed',
      detail: { n },
      resources: [],
    })

    it('publishes an entry to the bus it names, and one that names none to the pipeline bus', async () => {
      const exit = await run((publisher) => publisher.publish([entry(1, options.busName), entry(2)]))

      expect(exit).toEqual(Exit.void)
      expect(await published()).toEqual([expect.objectContaining(event(1)), expect.objectContaining(event(2))])
    })

    it("keeps an entry's resources and time", async () => {
      const withMore: PutEventsEntry = {
        ...entry(1),
        Resources: ['arn:aws:s3:::uploads-bucket/uploads/cat.jpg'],
        Time: '2026-01-01T00:00:00.000Z',
      }

      expect(await run((publisher) => publisher.publish([withMore]))).toEqual(Exit.void)
      expect(await published()).toEqual([
        { ...event(1), resources: ['arn:aws:s3:::uploads-bucket/uploads/cat.jpg'], time: '2026-01-01T00:00:00.000Z' },
      ])
    })

    it.each([10, 11, 23])('publishes %i entries, in order', async (count) => {
      const entries = Array.from({ length: count }, (_, n) => entry(n))

      expect(await run((publisher) => publisher.publish(entries))).toEqual(Exit.void)
      expect((await published()).map((sent) => sent.detail)).toEqual(entries.map((_, n) => ({ n })))
    })

    it('publishes nothing, and succeeds, for no entries', async () => {
      expect(await run((publisher) => publisher.publish([]))).toEqual(Exit.void)
      expect(await published()).toEqual([])
    })

    it('fails with a TransientError when the bus refuses an entry, and keeps the entries it accepted', async () => {
      const exit = await run((publisher) =>
        publisher.publish([entry(1), entry(2, options.missingBus), entry(3, options.busName)]),
      )

      expect(exit).toEqual(transientFailure)
      expect(await published()).toEqual([expect.objectContaining(event(1)), expect.objectContaining(event(3))])
    })

    const failing = failingLayer(options.backendFailure)
    if (failing !== undefined)
      it('fails with a TransientError when the backend fails', async () => {
        expect(await runWith(await failing(), EventPublisher)((publisher) => publisher.publish([entry(1)]))).toEqual(
          transientFailure,
        )
      })
  })
