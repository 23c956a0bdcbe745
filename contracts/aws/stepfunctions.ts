import { Schema } from 'effect'

// The requests of the Step Functions API the local runtime answers, as its API reference gives them
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_Operations.html); unknown fields are ignored.

const Arn = Schema.String
const MaxResults = Schema.Number
const Tag = Schema.Struct({ key: Schema.optional(Schema.String), value: Schema.optional(Schema.String) })

export const ListStateMachinesRequest = Schema.Struct({
  maxResults: Schema.optional(MaxResults),
  nextToken: Schema.optional(Schema.String),
})

export const StateMachineRequest = Schema.Struct({ stateMachineArn: Arn })

export const ExecutionRequest = Schema.Struct({ executionArn: Arn })

export const ValidateStateMachineDefinitionRequest = Schema.Struct({
  definition: Schema.String,
  type: Schema.optional(Schema.Literal('STANDARD', 'EXPRESS')),
  severity: Schema.optional(Schema.Literal('ERROR', 'WARNING')),
  maxResults: Schema.optional(MaxResults),
})

const LoggingConfiguration = Schema.Struct({
  level: Schema.optional(Schema.Literal('ALL', 'ERROR', 'FATAL', 'OFF')),
  includeExecutionData: Schema.optional(Schema.Boolean),
})

export const CreateStateMachineRequest = Schema.Struct({
  name: Schema.String,
  definition: Schema.String,
  roleArn: Arn,
  type: Schema.optional(Schema.Literal('STANDARD', 'EXPRESS')),
  loggingConfiguration: Schema.optional(LoggingConfiguration),
  tracingConfiguration: Schema.optional(Schema.Struct({ enabled: Schema.optional(Schema.Boolean) })),
  tags: Schema.optional(Schema.Array(Tag)),
})

export const UpdateStateMachineRequest = Schema.Struct({
  stateMachineArn: Arn,
  definition: Schema.optional(Schema.String),
  roleArn: Schema.optional(Arn),
  loggingConfiguration: Schema.optional(LoggingConfiguration),
})

export const StartExecutionRequest = Schema.Struct({
  stateMachineArn: Arn,
  name: Schema.optional(Schema.String),
  input: Schema.optional(Schema.String),
  traceHeader: Schema.optional(Schema.String),
})

export const ListExecutionsRequest = Schema.Struct({
  stateMachineArn: Schema.optional(Arn),
  mapRunArn: Schema.optional(Arn),
  statusFilter: Schema.optional(
    Schema.Literal('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'),
  ),
  redriveFilter: Schema.optional(Schema.Literal('REDRIVEN', 'NOT_REDRIVEN')),
  maxResults: Schema.optional(MaxResults),
  nextToken: Schema.optional(Schema.String),
})

export const GetExecutionHistoryRequest = Schema.Struct({
  executionArn: Arn,
  maxResults: Schema.optional(MaxResults),
  nextToken: Schema.optional(Schema.String),
  reverseOrder: Schema.optional(Schema.Boolean),
  includeExecutionData: Schema.optional(Schema.Boolean),
})

export const StopExecutionRequest = Schema.Struct({
  executionArn: Arn,
  error: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.String),
})

export const RedriveExecutionRequest = Schema.Struct({
  executionArn: Arn,
  clientToken: Schema.optional(Schema.String),
})

export const ListTagsForResourceRequest = Schema.Struct({ resourceArn: Arn })
