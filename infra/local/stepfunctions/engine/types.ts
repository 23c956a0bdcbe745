/** A state of an Amazon States Language definition (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html). */
export interface StateDefinition {
  readonly Type: string
  readonly [field: string]: unknown
}

/** A state machine definition, or the StartAt/States of a Parallel branch or a Map's ItemProcessor. */
export interface StateMachineDefinition {
  readonly StartAt: string
  readonly States: Readonly<Record<string, StateDefinition>>
  readonly QueryLanguage?: 'JSONPath' | 'JSONata'
  readonly TimeoutSeconds?: number
  readonly Comment?: string
  readonly Version?: string
}

/** One GetExecutionHistory event (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html). */
export interface HistoryEvent {
  readonly id: number
  readonly previousEventId: number
  /** ISO 8601, as the SDKs render the API's timestamp. */
  readonly timestamp: string
  readonly type: string
  /** `<type>EventDetails`, e.g. `stateEnteredEventDetails`. */
  readonly [details: string]: unknown
}

/** What StartExecution knows of an execution; the engine builds the context object from it. */
export interface ExecutionInfo {
  readonly executionArn: string
  readonly executionName: string
  readonly stateMachineArn: string
  readonly stateMachineName: string
  readonly roleArn: string
  /** When the execution started (ISO 8601 or a Date). */
  readonly startTime: string | Date
  /** STANDARD (default) or EXPRESS: an Express execution's context has no RedriveCount (observed on AWS). */
  readonly stateMachineType?: 'STANDARD' | 'EXPRESS'
}

/**
 * One Task state invocation. `input` is the state's resolved Parameters (JSONPath) or Arguments (JSONata);
 * `context` is the context object the state sees (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
 */
export interface TaskInvocation {
  readonly stateName: string
  readonly resource: string
  readonly input: unknown
  readonly timeoutSeconds: number | undefined
  readonly heartbeatSeconds: number | undefined
  readonly context: ContextObject
  /** Aborted when the execution stops or the task times out: stop work, the result is ignored. */
  readonly signal: AbortSignal
  /** Resets the HeartbeatSeconds timer, as SendTaskHeartbeat does. */
  readonly heartbeat: () => void
}

/**
 * Runs one task. Resolves with its result; rejects with `{error, cause}` (a Lambda-style failure) or an Error
 * (its name becomes the error, its message the cause).
 */
export type InvokeTask = (invocation: TaskInvocation) => Promise<unknown>

/** The context object (`$$` in JSONPath, `$states.context` in JSONata). */
export interface ContextObject {
  readonly Execution: {
    readonly Id: string
    readonly Input: unknown
    readonly Name: string
    readonly RoleArn: string
    readonly StartTime: string
    readonly RedriveCount?: number
    readonly RedriveTime?: string
  }
  readonly State: { readonly Name: string; readonly EnteredTime: string; readonly RetryCount?: number }
  readonly StateMachine: { readonly Id: string; readonly Name: string }
  readonly Task?: { readonly Token: string }
  readonly Map?: { readonly Item: { readonly Index: number; readonly Value: unknown } }
}

/** The statuses DescribeExecution reports for a finished execution. */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'

/** How an execution ended, as DescribeExecution gives it: fields AWS omits are absent. */
export interface ExecutionOutcome {
  readonly status: ExecutionStatus
  /** The output as JSON text, for SUCCEEDED. */
  readonly output?: string
  readonly error?: string
  readonly cause?: string
}
