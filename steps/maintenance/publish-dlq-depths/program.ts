import { Effect, Schema } from 'effect'
import { DlqDepthSummaryType, MaintenanceSource } from '../../../contracts/sources'
import { now } from '../../services/clock'
import { PipelineConfig } from '../../services/config'
import { EventPublisher } from '../../services/event-publisher'
import { QueueDepths } from '../../services/queue-depths'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { ScheduledRun } from '../schedule'

/** The detail of `DlqDepthSummary`: how many messages wait in each dead-letter queue, and in all of them. */
export const DlqDepthSummaryDetail = Schema.Struct({
  queues: Schema.Array(Schema.Struct({ name: Schema.String, depth: Schema.Number })),
  total: Schema.Number,
  at: Schema.String,
})
export type DlqDepthSummaryDetail = typeof DlqDepthSummaryDetail.Type

/**
 * Publishes one `DlqDepthSummary` per run, empty queues included, so a rule or a dashboard can alarm on the total
 * (the figures are SQS's ApproximateNumberOfMessages on AWS).
 */
export const publishDlqDepths = defineStep({
  name: StepNames.publishDlqDepths,
  input: ScheduledRun,
  run: () =>
    Effect.gen(function* () {
      const depths = yield* QueueDepths
      const publisher = yield* EventPublisher
      const { busName } = yield* PipelineConfig
      const queues = (yield* depths.deadLetterDepths()).map(({ name, depth }) => ({ name, depth }))
      const summary: DlqDepthSummaryDetail = {
        queues,
        total: queues.reduce((sum, queue) => sum + queue.depth, 0),
        at: yield* now,
      }
      const detail = yield* Schema.encode(DlqDepthSummaryDetail)(summary).pipe(Effect.orDie)
      yield* publisher.publish([
        {
          EventBusName: busName,
          Source: MaintenanceSource,
          DetailType: DlqDepthSummaryType,
          Detail: JSON.stringify(detail),
          Resources: [],
        },
      ])
      return { total: summary.total }
    }),
})
