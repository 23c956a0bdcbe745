import type { PutEventsEntry } from '../../../contracts/envelope'
import { allStates, type AslDefinition } from '../model/asl'
import { nextSlice } from '../kernel/fair-share'
import { InvocationDefect, type InvokeTask } from './engine'

/** What Task states call: each optimized integration the workflows use, served by the local runtime. */
export interface Integrations {
  /** Invokes a step by function ARN or name; rejects with an Error named after the step's error type, its message the Lambda `Cause` JSON. */
  readonly invokeFunction: (functionNameOrArn: string, payload: unknown) => Promise<unknown>
  readonly sendMessage: (queueUrl: string, body: string) => { readonly MessageId: string }
  readonly putEvents: (entries: ReadonlyArray<PutEventsEntry>) => unknown
}

type Handler = (input: never) => Promise<unknown>

const lambdaInvoke = 'arn:aws:states:::lambda:invoke'
const sqsSend = 'arn:aws:states:::sqs:sendMessage'
const eventsPut = 'arn:aws:states:::events:putEvents'

/** Resource ARNs may carry the optimized-integration suffixes (`.sync`, `.waitForTaskToken`); locally they run the same call. */
const baseResource = (resource: string) => resource.replace(/\.(sync(:2)?|waitForTaskToken)$/, '')

interface EntryParameters {
  readonly Source: string
  readonly DetailType: string
  readonly Detail: unknown
  readonly EventBusName?: string
  readonly Resources?: string[]
}

/**
 * A failed call as the Task state sees it: the error's name is the error Retry and Catch match (for a step, its
 * failure's tag, never `(FiberFailure) ...`), its message the cause (for a step, Lambda's `{errorType, errorMessage,
 * trace}` JSON), as Step Functions reports a Lambda function error
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-error-representation).
 */
const taskFailure = (error: unknown): { error: string; cause: string } =>
  error instanceof Error ? { error: error.name, cause: error.message } : { error: 'Error', cause: String(error) }

/** Which of the integrations the runtime provides a Task's Resource calls; undefined for any other. */
const integrationOf = (resource: string) => {
  const base = baseResource(resource)
  if (base === lambdaInvoke) return { kind: 'lambda:invoke' } as const
  if (base.startsWith('arn:aws:lambda:')) return { kind: 'lambda', functionArn: base } as const
  if (base === sqsSend) return { kind: 'sqs:sendMessage' } as const
  if (base === eventsPut) return { kind: 'events:putEvents' } as const
  return undefined
}

/** The handler of one Task resource, as Step Functions dispatches on `Resource`. */
const handlerFor = (
  integration: NonNullable<ReturnType<typeof integrationOf>>,
  integrations: Integrations,
): Handler => {
  switch (integration.kind) {
    case 'lambda:invoke':
      // lambda:invoke takes the resolved Parameters; the step sees `Payload`, the workflow sees Lambda's response shape.
      return async (input: { FunctionName: string; Payload?: unknown }) => {
        const payload = await integrations.invokeFunction(input.FunctionName, input.Payload ?? {})
        return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 }
      }
    case 'lambda':
      return async (input: unknown) => integrations.invokeFunction(integration.functionArn, input)
    case 'sqs:sendMessage':
      return async (input: { QueueUrl: string; MessageBody: unknown }) => {
        const body = typeof input.MessageBody === 'string' ? input.MessageBody : JSON.stringify(input.MessageBody)
        const { MessageId } = integrations.sendMessage(input.QueueUrl, body)
        return { MessageId, SdkHttpMetadata: { HttpStatusCode: 200 } }
      }
    case 'events:putEvents':
      return async (input: { Entries: ReadonlyArray<EntryParameters> }) =>
        integrations.putEvents(
          input.Entries.map((entry) => ({
            ...entry,
            Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail),
          })),
        )
  }
}

/** The first Task state of a definition whose integration the local runtime does not provide, with its resource. */
export const unsupportedTask = (
  definition: unknown,
): { readonly state: string; readonly resource: string } | undefined => {
  for (const [state, { Type, Resource }] of allStates(definition as AslDefinition))
    if (Type === 'Task' && !integrationOf(String(Resource))) return { state, resource: String(Resource) }
  return undefined
}

/**
 * The engine's `invokeTask` for one definition: each Task dispatched on its Resource to the integration that serves it,
 * in a slice of the event loop of its own (`fair-share.ts`), so the HTTP API is never starved. Every Resource is
 * resolved once, here; `unsupportedTask` refuses the definition before it gets this far.
 */
export const taskInvoker = (definition: unknown, integrations: Integrations): InvokeTask => {
  const handlers = new Map<string, Handler>()
  for (const [, state] of allStates(definition as AslDefinition)) {
    if (state.Type !== 'Task') continue
    const resource = String(state.Resource)
    const integration = integrationOf(resource)
    if (integration) handlers.set(resource, handlerFor(integration, integrations))
  }
  return async ({ stateName, resource, input, signal }) => {
    const handler = handlers.get(resource)
    if (!handler)
      throw new InvocationDefect(`Task state ${stateName} uses ${resource}, which the local runtime does not provide`)
    await nextSlice()
    // Stopped while it waited for its slice: the call is not made at all.
    if (signal.aborted) throw signal.reason
    try {
      return await handler(input as never)
    } catch (error) {
      throw taskFailure(error)
    }
  }
}
