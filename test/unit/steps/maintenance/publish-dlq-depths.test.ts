import { Exit, Schema } from 'effect'
import { DlqDepthSummaryDetail, publishDlqDepths } from '../../../../steps/maintenance/publish-dlq-depths/program'
import { memoryServices } from '../../../support/memory-services'
import { runWith } from '../../../support/run-with'
import { Now, scheduled } from './fixtures'

const run = (services: ReturnType<typeof memoryServices>) => runWith(services.layer)(publishDlqDepths.run(scheduled))

describe('publishDlqDepths', () => {
  it.each([
    [
      'every queue with its depth, and the total',
      [
        { name: 'orders-dlq', depth: 3 },
        { name: 'images-dlq', depth: 0 },
        { name: 'rules-dlq', depth: 2 },
      ],
      5,
    ],
    ['an empty summary when there are no dead-letter queues', [], 0],
  ])('publishes one DlqDepthSummary with %s', async (_name, queues, total) => {
    // Prepare
    const services = memoryServices({ now: Now, busName: 'pipeline-bus', deadLetterDepths: queues })

    // Act
    const exit = await run(services)

    // Assess
    expect(exit).toEqual(Exit.succeed({ total }))
    expect(services.published).toHaveLength(1)
    const [entry] = services.published
    expect(entry).toMatchObject({
      EventBusName: 'pipeline-bus',
      Source: 'pipeline.maintenance',
      DetailType: 'DlqDepthSummary',
    })
    expect(JSON.parse(entry.Detail)).toEqual({ queues, total, at: Now })
    expect(() =>
      Schema.decodeUnknownSync(DlqDepthSummaryDetail, { onExcessProperty: 'error' })(JSON.parse(entry.Detail)),
    ).not.toThrow()
  })
})
