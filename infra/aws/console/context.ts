import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createClients, type AwsClients } from '../client/clients'
import { awsContext, type AwsContext, type AwsSettings } from '../client/context'
import { HttpError } from '../../http/errors'
import { InvalidRequest, NotFound } from '../client/errors'

/** The two clients only the deployed stack's extras read: CloudWatch (metrics) and DynamoDB (the image table). */
export interface ExtrasClients {
  readonly cloudwatch: CloudWatchClient
  readonly dynamodb: DynamoDBClient
}

/** What every part of the console over the AWS APIs shares: the CLI's AWS context (stack reader, error mapping) and its clients. */
export interface ConsoleContext {
  readonly aws: AwsContext
  readonly clients: AwsClients
}

/** The console's context over a CLI command's AWS context: the same clients and stack reader. */
export const consoleContextOver = (aws: AwsContext): ConsoleContext => ({ aws, clients: aws.clients })

export const consoleContext = (
  settings: AwsSettings,
  clients: AwsClients = createClients(settings),
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
 * The client's errors as the console's routes answer them: NotFound 404, InvalidRequest 400, and an AWS service's
 * refusal (an HttpError whose `source` names the service) with the status it means here and the service's own words.
 * Anything else (no credentials, AWS unreachable, a 5xx) is left as it is: the server answers it as a 502 or 500.
 */
export const asConsoleError = (error: unknown): unknown => {
  if (error instanceof NotFound) return new HttpError(404, 'NotFound', error.message)
  if (error instanceof InvalidRequest) return new HttpError(400, 'InvalidRequest', error.message)
  if (!(error instanceof HttpError) || error.source === undefined || error.status >= 500) return error
  const said = `${error.source} answered ${error.code}: ${error.message}`
  if (error.code === 'StateMachineTypeNotSupported') {
    return new HttpError(
      501,
      error.code,
      `${said}. Express workflows keep no execution list or history in Step Functions: their executions are in the CloudWatch Logs log group they log to.`,
    )
  }
  if (notFoundErrors.has(error.code) || error.status === 404) return new HttpError(404, error.code, said)
  if (conflictErrors.has(error.code) || error.status === 409) return new HttpError(409, error.code, said)
  if (badRequestErrors.has(error.code)) return new HttpError(400, error.code, said)
  return error
}

/** A request field the adapter refuses, named. */
export const badField = (field: string, message: string): HttpError =>
  new HttpError(400, 'InvalidRequest', `${field}: ${message}`)
