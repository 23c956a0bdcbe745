import type { IncomingMessage } from 'node:http'

/** The AWS services the local runtime answers on its endpoint, by the name SigV4 signs for. */
export const AwsServices = ['s3', 'states', 'events', 'sqs', 'cloudformation'] as const
export type AwsService = (typeof AwsServices)[number]

/** The JSON protocols' `X-Amz-Target` prefixes (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html), by service. */
export const TargetPrefixes: Readonly<Record<string, AwsService>> = {
  AWSStepFunctions: 'states',
  AWSEvents: 'events',
  AmazonSQS: 'sqs',
}

/** An AWS request as the endpoint reads it before dispatching it. */
export interface AwsRequest {
  /** The service it is for: from the target, else from the signature's scope; undefined for one not served here. */
  readonly service: AwsService | undefined
  /** The service its SigV4 credential scope names, when it is signed. */
  readonly signedFor?: string
  /** The operation, for the JSON protocols (`StartExecution` of `AWSStepFunctions.StartExecution`). */
  readonly operation?: string
  /** The region its signature names; requests without one answer for the local region. */
  readonly region?: string
}

/** `Credential=AKID/20260101/eu-west-1/sqs/aws4_request` of an Authorization header or a presigned URL. */
const credentialScope = (req: IncomingMessage): { region: string; service: string } | undefined => {
  const header = req.headers.authorization ?? ''
  const fromHeader = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(header)
  if (fromHeader) return { region: fromHeader[1]!, service: fromHeader[2]! }
  const query = (req.url ?? '').split('?')[1]
  if (!query) return undefined
  const credential = new URLSearchParams(query).get('X-Amz-Credential')
  const fromQuery = credential ? /^[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request$/.exec(credential) : null
  return fromQuery ? { region: fromQuery[1]!, service: fromQuery[2]! } : undefined
}

/**
 * Tells an AWS API request from a request to the project's own routes: a JSON-protocol target, or a SigV4 signature
 * (header or presigned URL). Anything else (curl, the console page) is the project's. The signature itself is not
 * checked: any access key is accepted, this is a local tool; but the service it was signed for is kept, so a request
 * signed for one service is never dispatched to another.
 */
export const identifyAwsRequest = (req: IncomingMessage): AwsRequest | undefined => {
  const scope = credentialScope(req)
  const target = req.headers['x-amz-target']
  const targetText = Array.isArray(target) ? target[0] : target
  if (targetText !== undefined) {
    const [prefix = '', operation = ''] = targetText.split('.')
    const service = TargetPrefixes[prefix.replace(/_\d+$/, '')]
    if (service) return { service, operation, ...(scope ? { signedFor: scope.service, region: scope.region } : {}) }
  }
  if (!scope) return undefined
  const service = (AwsServices as ReadonlyArray<string>).includes(scope.service)
    ? (scope.service as AwsService)
    : undefined
  return { service, signedFor: scope.service, region: scope.region }
}
