import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { UsageError } from '../../../cli/args'
import { createClients, type AwsClients } from '../../../cli/aws/clients'
import { awsContext, type AwsContext, type AwsSettings } from '../../../cli/aws/context'
import { NotFound } from '../../../cli/backend'
import { HttpError } from '../../../cli/client'
import { ConsoleRequestError } from '../../console/port'

/** The CLI's AWS clients, plus the two only the console reads: CloudWatch (metrics) and DynamoDB (the image table). */
export interface ConsoleClients extends AwsClients {
  readonly cloudwatch: CloudWatchClient
  readonly dynamodb: DynamoDBClient
}

/** What every part of the AWS console shares: the CLI's AWS context (stack reader, error mapping) and the extra clients. */
export interface ConsoleContext {
  readonly aws: AwsContext
  readonly clients: ConsoleClients
}

const consoleOnlyClients = (
  settings: Pick<AwsSettings, 'profile' | 'region'>,
): Pick<ConsoleClients, 'cloudwatch' | 'dynamodb'> => {
  const config = {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
  }
  return { cloudwatch: new CloudWatchClient(config), dynamodb: new DynamoDBClient(config) }
}

export const createConsoleClients = (settings: Pick<AwsSettings, 'profile' | 'region'>): ConsoleClients => ({
  ...createClients(settings),
  ...consoleOnlyClients(settings),
})

/** The console's context over a CLI command's AWS context: the same clients and stack reader, plus the console's own. */
export const consoleContextOver = (aws: AwsContext): ConsoleContext => ({
  aws,
  clients: { ...aws.clients, ...consoleOnlyClients(aws.settings) },
})

export const consoleContext = (
  settings: AwsSettings,
  clients: ConsoleClients = createConsoleClients(settings),
): ConsoleContext => ({
  aws: awsContext(settings, clients),
  clients,
})

/** AWS error names that mean "no such thing" and "not in a state for that", whichever service answers. */
const notFoundErrors = new Set([
  'ExecutionDoesNotExist',
  'StateMachineDoesNotExist',
  'ResourceNotFoundException',
  'NoSuchKey',
  'NotFound',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
])
const conflictErrors = new Set([
  'ExecutionNotRedrivable',
  'ExecutionAlreadyExists',
  'ResourceAlreadyExistsException',
  'InvalidStateException',
])
const badRequestErrors = new Set([
  'InvalidArn',
  'InvalidName',
  'InvalidExecutionInput',
  'ValidationException',
  'InvalidEventPatternException',
  'InvalidParameterValue',
])

/**
 * The CLI's errors (NotFound, UsageError, an AWS service's refusal as HttpError) as the console's routes answer them:
 * a ConsoleRequestError with the status and the service's own words. Anything else (no credentials, AWS unreachable,
 * a 5xx) is left as it is: the routes answer it as a server error.
 */
export const asConsoleError = (error: unknown): unknown => {
  if (error instanceof ConsoleRequestError) return error
  if (error instanceof NotFound) return new ConsoleRequestError(404, 'NotFound', error.message)
  if (error instanceof UsageError) return new ConsoleRequestError(400, 'InvalidRequest', error.message)
  if (error instanceof HttpError && error.status < 500) {
    const said = `${error.source ?? 'AWS'} answered ${error.error}: ${error.message}`
    if (error.error === 'StateMachineTypeNotSupported') {
      return new ConsoleRequestError(
        501,
        error.error,
        `${said}. Express workflows keep no execution list or history in Step Functions: their executions are in the CloudWatch Logs log group they log to.`,
      )
    }
    if (notFoundErrors.has(error.error) || error.status === 404) return new ConsoleRequestError(404, error.error, said)
    if (conflictErrors.has(error.error) || error.status === 409) return new ConsoleRequestError(409, error.error, said)
    if (badRequestErrors.has(error.error)) return new ConsoleRequestError(400, error.error, said)
  }
  return error
}

/** A request field the adapter refuses, named. */
export const badField = (field: string, message: string): ConsoleRequestError =>
  new ConsoleRequestError(400, 'InvalidRequest', `${field}: ${message}`)
