import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'

/** How many messages wait in each dead-letter queue (SQS ApproximateNumberOfMessages on AWS). */
export class QueueDepths extends Context.Tag('QueueDepths')<
  QueueDepths,
  {
    readonly deadLetterDepths: () => Effect.Effect<
      ReadonlyArray<{ readonly name: string; readonly depth: number }>,
      TransientError
    >
  }
>() {}
