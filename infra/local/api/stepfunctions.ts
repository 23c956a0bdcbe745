import {
  CreateStateMachineRequest,
  ExecutionRequest,
  GetExecutionHistoryRequest,
  ListExecutionsRequest,
  ListStateMachinesRequest,
  ListTagsForResourceRequest,
  RedriveExecutionRequest,
  StartExecutionRequest,
  StateMachineRequest,
  StopExecutionRequest,
  UpdateStateMachineRequest,
  ValidateStateMachineDefinitionRequest,
} from '../../../contracts/aws/stepfunctions'
import { LocalAccount, LocalRegion, type LocalStateMachine } from '../model/template'
import type { LocalRuntime } from '../runtime'
import { validateDefinition } from '../stepfunctions/engine'
import { InvalidStateMachine } from '../stepfunctions/errors'
import type { ExecutionDescription } from '../stepfunctions/executor'
import type { AwsServiceHandler } from './aws-api'
import { decodeInput } from './decode-input'
import { AwsApiError } from './errors'
import { serveJson, type JsonService } from './json-protocol'

/** JSON-protocol timestamps are epoch seconds (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html). */
const epochSeconds = (iso: string): number => Date.parse(iso) / 1000

/** The executor's errors are named as the API names them; anything else is the server's own failure. */
const asApiError = (error: unknown): unknown => {
  if (error instanceof AwsApiError || !(error instanceof Error)) return error
  const known = [
    'ExecutionDoesNotExist',
    'ExecutionAlreadyExists',
    'StateMachineDoesNotExist',
    'StateMachineTypeNotSupported',
    'InvalidName',
    'InvalidExecutionInput',
    'InvalidToken',
    'ValidationException',
    'ExecutionNotRedrivable',
  ]
  return known.includes(error.name) ? new AwsApiError(400, error.name, error.message) : error
}

const answering =
  <I>(operation: (input: I) => unknown) =>
  async (input: I): Promise<unknown> => {
    try {
      return await operation(input)
    } catch (error) {
      throw asApiError(error)
    }
  }

/** An ARN Step Functions takes: `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME` (or `execution:...`). */
const checkArn = (arn: string, kind: 'stateMachine' | 'execution'): void => {
  const parts = arn.split(':')
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== kind)
    throw new AwsApiError(
      400,
      'InvalidArn',
      `Invalid Arn: 'Resource type not valid in this context: ${parts[5] ?? ''}'`,
    )
}

/** A state machine name as CreateStateMachine takes it (1 to 80 characters, none of the forbidden ones). */
// eslint-disable-next-line no-control-regex -- control characters are what a name may not hold
const NamePattern = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u

const executionDescription = (described: ExecutionDescription) => ({
  executionArn: described.executionArn,
  stateMachineArn: described.stateMachineArn,
  name: described.name,
  status: described.status,
  startDate: epochSeconds(described.startDate),
  ...(described.stopDate === undefined ? {} : { stopDate: epochSeconds(described.stopDate) }),
  input: described.input,
  inputDetails: { included: true },
  ...(described.output === undefined ? {} : { output: described.output, outputDetails: { included: true } }),
  ...(described.error === undefined ? {} : { error: described.error }),
  ...(described.cause === undefined ? {} : { cause: described.cause }),
})

/**
 * The Step Functions API (AWS JSON 1.0, `AWSStepFunctions.*`) over the executor: the template's state machines, and
 * ones users create beside them (which persist in the data directory; the template's cannot be changed or deleted
 * this way: change the CDK app).
 */
export const stepFunctionsApi = (runtime: LocalRuntime): AwsServiceHandler => {
  const { executor, apiStateMachines } = runtime
  const startedAt = new Date().toISOString()
  const machines = () => executor.stateMachines
  const machine = (arn: string): LocalStateMachine => {
    checkArn(arn, 'stateMachine')
    const found = machines().find((candidate) => candidate.arn === arn)
    if (!found) throw new AwsApiError(400, 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`)
    return found
  }
  const creationDate = (arn: string) => epochSeconds(apiStateMachines.get(arn)?.createdAt ?? startedAt)
  const describeMachine = (found: LocalStateMachine) => ({
    stateMachineArn: found.arn,
    name: found.name,
    status: 'ACTIVE',
    definition: JSON.stringify(found.definition),
    roleArn: found.roleArn ?? `arn:aws:iam::${LocalAccount}:role/${found.name}Role`,
    type: found.type,
    creationDate: creationDate(found.arn),
    loggingConfiguration: found.logging ?? { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: found.tracing ?? false },
  })
  const fromTemplate = (arn: string) => apiStateMachines.get(arn) === undefined
  const refuseTemplateChange = (arn: string, action: string) => {
    if (fromTemplate(arn))
      throw new AwsApiError(
        400,
        'ValidationException',
        `${action} of '${arn}': this state machine is the pipeline's own, synthesized from the CDK app; change it there`,
      )
  }
  const invalidDefinition = (error: unknown): never => {
    if (error instanceof InvalidStateMachine) {
      const [first] = error.diagnostics
      const reason = first
        ? `${first.code}: ${first.message}${first.location ? ` at ${first.location}` : ''}`
        : error.reason
      throw new AwsApiError(400, 'InvalidDefinition', `Invalid State Machine Definition: '${reason}'`)
    }
    throw error
  }
  const parseDefinition = (text: string): Record<string, unknown> => {
    try {
      const parsed = JSON.parse(text) as unknown
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>
    } catch {
      // answered below, as AWS words it
    }
    throw new AwsApiError(
      400,
      'InvalidDefinition',
      "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: the definition is not a JSON object'",
    )
  }

  const service: JsonService = {
    version: '1.0',
    targetPrefix: 'AWSStepFunctions',
    operations: {
      ListStateMachines: answering((input) => {
        const request = decodeInput(ListStateMachinesRequest, input)
        const all = [...machines()].sort((a, b) => a.name.localeCompare(b.name))
        const start = request.nextToken === undefined ? 0 : Number.parseInt(request.nextToken, 10)
        if (!Number.isInteger(start) || start < 0 || start > all.length)
          throw new AwsApiError(400, 'InvalidToken', `Invalid Token: '${request.nextToken}'`)
        const size = request.maxResults ? request.maxResults : 100
        const page = all.slice(start, start + size)
        return {
          stateMachines: page.map((found) => ({
            stateMachineArn: found.arn,
            name: found.name,
            type: found.type,
            creationDate: creationDate(found.arn),
          })),
          ...(start + size < all.length ? { nextToken: String(start + size) } : {}),
        }
      }),
      DescribeStateMachine: answering((input) =>
        describeMachine(machine(decodeInput(StateMachineRequest, input).stateMachineArn)),
      ),
      DescribeStateMachineForExecution: answering((input) => {
        const { executionArn } = decodeInput(ExecutionRequest, input)
        checkArn(executionArn, 'execution')
        const described = executor.describeExecution(executionArn)
        const {
          status: _status,
          creationDate: _created,
          type: _type,
          ...rest
        } = describeMachine(machine(described.stateMachineArn))
        return { ...rest, updateDate: creationDate(described.stateMachineArn) }
      }),
      ValidateStateMachineDefinition: answering((input) => {
        const request = decodeInput(ValidateStateMachineDefinitionRequest, input)
        let definition: unknown
        try {
          definition = JSON.parse(request.definition)
        } catch {
          definition = request.definition
        }
        const diagnostics = validateDefinition(definition, request.type ? { type: request.type } : undefined)
        const limit = request.maxResults || 100
        return {
          result: diagnostics.some((diagnostic) => diagnostic.severity === 'ERROR') ? 'FAIL' : 'OK',
          diagnostics: diagnostics.slice(0, limit),
          truncated: diagnostics.length > limit,
        }
      }),
      CreateStateMachine: answering((input) => {
        const request = decodeInput(CreateStateMachineRequest, input)
        if (!NamePattern.test(request.name))
          throw new AwsApiError(400, 'InvalidName', `Invalid Name: '${request.name}'`)
        if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(request.roleArn))
          throw new AwsApiError(400, 'InvalidArn', `Invalid Arn: 'Role ARN is not valid: ${request.roleArn}'`)
        const arn = `arn:aws:states:${LocalRegion}:${LocalAccount}:stateMachine:${request.name}`
        const definition = parseDefinition(request.definition)
        const type = request.type ?? 'STANDARD'
        const existing = machines().find((found) => found.arn === arn)
        if (existing) {
          // The same request again answers the machine it made; anything else is a conflict.
          const same =
            !fromTemplate(arn) &&
            JSON.stringify(existing.definition) === JSON.stringify(definition) &&
            existing.type === type
          if (same) return { stateMachineArn: arn, creationDate: creationDate(arn) }
          throw new AwsApiError(400, 'StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`)
        }
        const created = {
          arn,
          name: request.name,
          workflow: request.name,
          type,
          definition,
          roleArn: request.roleArn,
          tags: (request.tags ?? []).map((tag) => ({ key: tag.key ?? '', value: tag.value ?? '' })),
          logging: {
            level: request.loggingConfiguration?.level ?? 'OFF',
            includeExecutionData: request.loggingConfiguration?.includeExecutionData ?? false,
          },
          tracing: request.tracingConfiguration?.enabled ?? false,
          createdAt: new Date().toISOString(),
        } as const
        try {
          executor.putStateMachine(created)
        } catch (error) {
          invalidDefinition(error)
        }
        apiStateMachines.put(created)
        return { stateMachineArn: arn, creationDate: epochSeconds(created.createdAt) }
      }),
      UpdateStateMachine: answering((input) => {
        const request = decodeInput(UpdateStateMachineRequest, input)
        machine(request.stateMachineArn)
        refuseTemplateChange(request.stateMachineArn, 'UpdateStateMachine')
        const standing = apiStateMachines.get(request.stateMachineArn)!
        const updated = {
          ...standing,
          ...(request.definition === undefined ? {} : { definition: parseDefinition(request.definition) }),
          ...(request.roleArn === undefined ? {} : { roleArn: request.roleArn }),
          ...(request.loggingConfiguration === undefined
            ? {}
            : {
                logging: {
                  level: request.loggingConfiguration.level ?? 'OFF',
                  includeExecutionData: request.loggingConfiguration.includeExecutionData ?? false,
                },
              }),
        }
        try {
          executor.putStateMachine(updated)
        } catch (error) {
          invalidDefinition(error)
        }
        apiStateMachines.put(updated)
        return { updateDate: Date.now() / 1000 }
      }),
      DeleteStateMachine: answering((input) => {
        const { stateMachineArn } = decodeInput(StateMachineRequest, input)
        checkArn(stateMachineArn, 'stateMachine')
        // Deleting one that is not there succeeds, as DeleteStateMachine is idempotent.
        if (!machines().some((found) => found.arn === stateMachineArn)) return {}
        refuseTemplateChange(stateMachineArn, 'DeleteStateMachine')
        executor.removeStateMachine(stateMachineArn)
        apiStateMachines.delete(stateMachineArn)
        return {}
      }),
      StartExecution: answering((input) => {
        const request = decodeInput(StartExecutionRequest, input)
        machine(request.stateMachineArn)
        const started = executor.startExecution(request.stateMachineArn, {
          ...(request.input === undefined ? {} : { input: request.input }),
          ...(request.name === undefined ? {} : { name: request.name }),
        })
        return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) }
      }),
      StartSyncExecution: answering(async (input) => {
        const request = decodeInput(StartExecutionRequest, input)
        machine(request.stateMachineArn)
        const described = await executor.startSyncExecution(request.stateMachineArn, {
          ...(request.input === undefined ? {} : { input: request.input }),
          ...(request.name === undefined ? {} : { name: request.name }),
        })
        const durationMs = Math.max(
          0,
          Date.parse(described.stopDate ?? described.startDate) - Date.parse(described.startDate),
        )
        return {
          ...executionDescription(described),
          // Express workflows bill in 100 ms steps of duration at 64 MB or more of memory.
          billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.ceil(durationMs / 100) * 100 },
        }
      }),
      DescribeExecution: answering((input) => {
        const { executionArn } = decodeInput(ExecutionRequest, input)
        checkArn(executionArn, 'execution')
        const described = executor.describeExecution(executionArn)
        return {
          ...executionDescription(described),
          redriveCount: described.redriveCount,
          redriveStatus: described.redriveStatus,
          ...(described.redriveDate ? { redriveDate: epochSeconds(described.redriveDate) } : {}),
        }
      }),
      ListExecutions: answering((input) => {
        const request = decodeInput(ListExecutionsRequest, input)
        if (request.stateMachineArn === undefined)
          throw new AwsApiError(
            400,
            'ValidationException',
            'Must provide a StateMachine ARN or MapRun ARN: this runtime lists a state machine’s executions',
          )
        machine(request.stateMachineArn)
        if (request.statusFilter === 'PENDING_REDRIVE') return { executions: [] }
        const listed = executor.listExecutions({
          stateMachineArn: request.stateMachineArn,
          ...(request.statusFilter === undefined ? {} : { statusFilter: request.statusFilter }),
          ...(request.redriveFilter === undefined ? {} : { redriveFilter: request.redriveFilter }),
          ...(request.maxResults === undefined ? {} : { maxResults: request.maxResults }),
          ...(request.nextToken === undefined ? {} : { nextToken: request.nextToken }),
        })
        return {
          executions: listed.executions.map((item) => ({
            executionArn: item.executionArn,
            stateMachineArn: item.stateMachineArn,
            name: item.name,
            status: item.status,
            startDate: epochSeconds(item.startDate),
            ...(item.stopDate === undefined ? {} : { stopDate: epochSeconds(item.stopDate) }),
            redriveCount: item.redriveCount,
            ...(item.redriveDate ? { redriveDate: epochSeconds(item.redriveDate) } : {}),
          })),
          ...(listed.nextToken === undefined ? {} : { nextToken: listed.nextToken }),
        }
      }),
      GetExecutionHistory: answering((input) => {
        const request = decodeInput(GetExecutionHistoryRequest, input)
        checkArn(request.executionArn, 'execution')
        const page = executor.getExecutionHistory(request.executionArn, {
          ...(request.maxResults === undefined ? {} : { maxResults: request.maxResults }),
          ...(request.nextToken === undefined ? {} : { nextToken: request.nextToken }),
          ...(request.reverseOrder === undefined ? {} : { reverseOrder: request.reverseOrder }),
          ...(request.includeExecutionData === undefined ? {} : { includeExecutionData: request.includeExecutionData }),
        })
        return {
          events: page.events.map((event) => ({ ...event, timestamp: epochSeconds(event.timestamp) })),
          ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
        }
      }),
      StopExecution: answering(async (input) => {
        const request = decodeInput(StopExecutionRequest, input)
        checkArn(request.executionArn, 'execution')
        const stopped = await executor.stopExecution(request.executionArn, {
          ...(request.error === undefined ? {} : { error: request.error }),
          ...(request.cause === undefined ? {} : { cause: request.cause }),
        })
        return { stopDate: epochSeconds(stopped.stopDate) }
      }),
      RedriveExecution: answering((input) => {
        const { executionArn } = decodeInput(RedriveExecutionRequest, input)
        checkArn(executionArn, 'execution')
        return { redriveDate: epochSeconds(executor.redriveExecution(executionArn).redriveDate) }
      }),
      ListTagsForResource: answering((input) => {
        const { resourceArn } = decodeInput(ListTagsForResourceRequest, input)
        const found = machines().find((candidate) => candidate.arn === resourceArn)
        if (!found) throw new AwsApiError(400, 'ResourceNotFound', `Resource not found: '${resourceArn}'`)
        return { tags: found.tags ?? [] }
      }),
    },
  }
  return (request, req, res) => serveJson(service, request.operation, req, res)
}
