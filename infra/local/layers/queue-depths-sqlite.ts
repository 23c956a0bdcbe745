import { Layer } from 'effect'
import { QueueDepths } from '../../../steps/services/queue-depths'
import type { LocalQueues } from '../sqs/queues'
import { attempt } from './attempt'

/** The depth of every dead-letter queue of the local runtime. */
export const QueueDepthsSqlite = (queues: LocalQueues) =>
  Layer.succeed(QueueDepths, {
    deadLetterDepths: () =>
      attempt('sqs:GetQueueAttributes', () =>
        queues.names
          .filter((name) => queues.isDeadLetterQueue(name))
          .map((name) => ({ name, depth: queues.count(name) })),
      ),
  })
