import type { StateMachineDefinition } from 'aws-local-stepfunctions'

type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue }
import type { PutEventsEntry } from '../../../contracts/envelope'
import { allStates, type AslDefinition } from '../model/asl'
import { nextSlice } from '../kernel/fair-share'

/** What Task states call: each optimized integration the workflows use, served by the local runtime. */
export interface Integrations {
  /** Invokes a step by function ARN or name; rejects with an Error named after the step's error type, its message the Lambda `Cause` JSON. */
  readonly invokeFunction: (functionNameOrArn: string, payload: unknown) => Promise<unknown>
  readonly sendMessage: (queueUrl: string, body: string) => { readonly MessageId: string }
  readonly putEvents: (entries: ReadonlyArray<PutEventsEntry>) => unknown
}

type Handler = (input: never) => Promise<unknown>

/** Every task of every execution starts in a slice of its own (`fair-share.ts`), so the HTTP API is never starved. */
const sliced =
  (handler: Handler): Handler =>
  async (input: never) => {
    await nextSlice()
    return handler(input)
  }

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

/** The handler for one Task state, dispatched on its `Resource` as Step Functions would. */
const handlerFor = (stateName: string, resource: string, integrations: Integrations): Handler => {
  const base = baseResource(resource)
  if (base === lambdaInvoke) {
    // lambda:invoke hands over the resolved Parameters; the step sees `Payload`, the workflow sees Lambda's response shape.
    return async (input: { FunctionName: string; Payload?: unknown }) => {
      const payload = await integrations.invokeFunction(input.FunctionName, input.Payload ?? {})
      return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 }
    }
  }
  if (base.startsWith('arn:aws:lambda:')) return async (input: unknown) => integrations.invokeFunction(base, input)
  if (base === sqsSend) {
    return async (input: { QueueUrl: string; MessageBody: unknown }) => {
      const body = typeof input.MessageBody === 'string' ? input.MessageBody : JSON.stringify(input.MessageBody)
      const { MessageId } = integrations.sendMessage(input.QueueUrl, body)
      return { MessageId, SdkHttpMetadata: { HttpStatusCode: 200 } }
    }
  }
  if (base === eventsPut) {
    return async (input: { Entries: ReadonlyArray<EntryParameters> }) =>
      integrations.putEvents(
        input.Entries.map((entry) => ({
          ...entry,
          Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail),
        })),
      )
  }
  throw new Error(`Task state ${stateName} uses ${resource}, an integration the local runtime does not provide`)
}

/** The `taskResourceLocalHandlers` override for every Task state of a definition. Unsupported integrations fail at load, not mid-run. */
export const taskOverrides = (definition: StateMachineDefinition, integrations: Integrations) => ({
  taskResourceLocalHandlers: Object.fromEntries(
    allStates(definition as unknown as AslDefinition)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name, state]) => [name, sliced(handlerFor(name, String(state.Resource), integrations))]),
  ) as unknown as Record<string, (input: JSONValue) => Promise<JSONValue>>,
})
