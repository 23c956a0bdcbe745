import { Schema } from 'effect'

/*
 * The EventBridge requests the local endpoint answers, as the AWS JSON 1.1 protocol carries them
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html). A refinement's message is the
 * constraint as EventBridge's validation words it ("Member must have length less than or equal to 64"); the endpoint
 * adds the value and where it is.
 */

const lengthBetween = (min: number, max: number) =>
  Schema.String.pipe(
    Schema.minLength(min, { message: () => `Member must have length greater than or equal to ${min}` }),
    Schema.maxLength(max, { message: () => `Member must have length less than or equal to ${max}` }),
  )

/** Names of rules, archives and replays: up to `max` letters, digits, `.`, `-` and `_`. */
const resourceName = (max: number) =>
  Schema.String.pipe(
    Schema.minLength(1, { message: () => 'Member must have length greater than or equal to 1' }),
    Schema.maxLength(max, { message: () => `Member must have length less than or equal to ${max}` }),
    Schema.pattern(/^[.\-_A-Za-z0-9]+$/, {
      message: () => 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+',
    }),
  )

/** An enum member, refused as EventBridge refuses a value outside the set. */
const oneOf = <const Values extends ReadonlyArray<string>>(...values: Values) =>
  Schema.String.pipe(
    Schema.filter((value): value is Values[number] => values.includes(value), {
      message: () => `Member must satisfy enum value set: [${values.join(', ')}]`,
    }),
  )

/** Rule, archive and replay names: 1 to 64 of letters, digits, `.`, `-` and `_`. */
const ResourceName = resourceName(64)

/** A bus by name or ARN. */
const EventBusNameOrArn = lengthBetween(1, 1600)

const Limit = Schema.Number.pipe(
  Schema.int(),
  Schema.greaterThanOrEqualTo(1, { message: () => 'Member must have value greater than or equal to 1' }),
  Schema.lessThanOrEqualTo(100, { message: () => 'Member must have value less than or equal to 100' }),
)

const NextToken = lengthBetween(1, 2048)

/** A timestamp: epoch seconds, as the JSON protocols carry it. */
const Timestamp = Schema.Number.pipe(Schema.finite())

/** A PutEvents entry (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html). */
export const PutEventsRequestEntry = Schema.Struct({
  Source: Schema.optional(Schema.String),
  DetailType: Schema.optional(Schema.String),
  Detail: Schema.optional(Schema.String),
  EventBusName: Schema.optional(Schema.String),
  Resources: Schema.optional(Schema.Array(Schema.String)),
  /** Epoch seconds from an SDK; the project's own `POST /events` also takes ISO 8601 text. */
  Time: Schema.optional(Schema.Union(Timestamp, Schema.String)),
  TraceHeader: Schema.optional(Schema.String),
})
export type PutEventsRequestEntry = typeof PutEventsRequestEntry.Type

/** Entries' count and size are PutEvents' own checks, answered as EventBridge answers them. */
export const PutEventsRequest = Schema.Struct({
  Entries: Schema.Array(PutEventsRequestEntry),
  EndpointId: Schema.optional(Schema.String),
})

export const ListEventBusesRequest = Schema.Struct({
  NamePrefix: Schema.optional(lengthBetween(1, 256)),
  NextToken: Schema.optional(NextToken),
  Limit: Schema.optional(Limit),
})

export const ListRulesRequest = Schema.Struct({
  NamePrefix: Schema.optional(lengthBetween(1, 64)),
  EventBusName: Schema.optional(EventBusNameOrArn),
  NextToken: Schema.optional(NextToken),
  Limit: Schema.optional(Limit),
})

export const DescribeRuleRequest = Schema.Struct({
  Name: ResourceName,
  EventBusName: Schema.optional(EventBusNameOrArn),
})

export const ListTargetsByRuleRequest = Schema.Struct({
  Rule: ResourceName,
  EventBusName: Schema.optional(EventBusNameOrArn),
  NextToken: Schema.optional(NextToken),
  Limit: Schema.optional(Limit),
})

export const TestEventPatternRequest = Schema.Struct({
  EventPattern: Schema.String.pipe(
    Schema.maxLength(4096, { message: () => 'Member must have length less than or equal to 4096' }),
  ),
  Event: Schema.String,
})

export const ArchiveState = oneOf('ENABLED', 'DISABLED', 'CREATING', 'UPDATING', 'CREATE_FAILED', 'UPDATE_FAILED')

export const ListArchivesRequest = Schema.Struct({
  NamePrefix: Schema.optional(lengthBetween(1, 48)),
  EventSourceArn: Schema.optional(lengthBetween(1, 1600)),
  State: Schema.optional(ArchiveState),
  NextToken: Schema.optional(NextToken),
  Limit: Schema.optional(Limit),
})

export const DescribeArchiveRequest = Schema.Struct({
  ArchiveName: resourceName(48),
})

export const StartReplayRequest = Schema.Struct({
  ReplayName: ResourceName,
  Description: Schema.optional(
    Schema.String.pipe(Schema.maxLength(512, { message: () => 'Member must have length less than or equal to 512' })),
  ),
  EventSourceArn: lengthBetween(1, 1600),
  EventStartTime: Timestamp,
  EventEndTime: Timestamp,
  Destination: Schema.Struct({
    Arn: lengthBetween(1, 1600),
    FilterArns: Schema.optional(Schema.Array(Schema.String)),
  }),
})

export const ReplayState = oneOf('STARTING', 'RUNNING', 'CANCELLING', 'COMPLETED', 'CANCELLED', 'FAILED')

export const DescribeReplayRequest = Schema.Struct({ ReplayName: ResourceName })

export const ListReplaysRequest = Schema.Struct({
  NamePrefix: Schema.optional(lengthBetween(1, 64)),
  State: Schema.optional(ReplayState),
  EventSourceArn: Schema.optional(lengthBetween(1, 1600)),
  NextToken: Schema.optional(NextToken),
  Limit: Schema.optional(Limit),
})

export const CancelReplayRequest = Schema.Struct({ ReplayName: ResourceName })
