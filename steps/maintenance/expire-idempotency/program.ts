import { Effect } from 'effect'
import { now } from '../../services/clock'
import { IdempotencyStore } from '../../services/idempotency'
import { StepNames } from '../../kit/catalog'
import { defineStep } from '../../kit/step'
import { ScheduledRun } from '../schedule'

/**
 * Deletes the idempotency records that expired, as DynamoDB TTL does on AWS but only eventually
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html), and the local tables never.
 */
export const expireIdempotency = defineStep({
  name: StepNames.expireIdempotency,
  input: ScheduledRun,
  run: () =>
    Effect.gen(function* () {
      const store = yield* IdempotencyStore
      const at = yield* now
      return { expired: yield* store.expire(at) }
    }),
})
