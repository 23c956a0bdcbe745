import type { IncomingMessage, ServerResponse } from 'node:http'
import { AwsApiError } from './errors'
import type { AwsRequest, AwsService } from './identify'
import { sendJsonError } from './json-protocol'

/** Serves one AWS service's requests, in its own protocol and error shapes. */
export type AwsServiceHandler = (request: AwsRequest, req: IncomingMessage, res: ServerResponse) => Promise<void>

/**
 * Dispatches an AWS API request to its service. A request whose signature names another service than its target is
 * refused as AWS refuses it, and a service the local runtime does not serve is named in the answer.
 */
export const awsApi =
  (services: Partial<Record<AwsService, AwsServiceHandler>>) =>
  async (request: AwsRequest, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (request.service && request.signedFor && request.signedFor !== request.service) {
      // Step Functions, EventBridge and SQS answer this way when the credential scope names another service.
      return sendJsonError(
        res,
        '1.0',
        new AwsApiError(
          400,
          'InvalidSignatureException',
          `Credential should be scoped to correct service: '${request.service}'. `,
        ),
      )
    }
    const handler = request.service ? services[request.service] : undefined
    if (!handler) {
      const served = Object.keys(services).join(', ')
      return sendJsonError(
        res,
        '1.0',
        new AwsApiError(
          400,
          'UnrecognizedClientException',
          `The local runtime does not serve ${request.signedFor ?? request.service ?? 'this service'} (it serves ${served})`,
        ),
      )
    }
    await handler(request, req, res)
  }
