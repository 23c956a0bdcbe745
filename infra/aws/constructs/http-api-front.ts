import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway'
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  LogGroupLogDestination,
  type HttpStage,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import type { IEventBus } from 'aws-cdk-lib/aws-events'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Tracing } from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'
import { RenditionsPrefix } from '../../../contracts/sources'
import { customerIndex } from '../layers/order-table-dynamodb'
import { acknowledge } from './findings'
import { grantTableData, type PipelineTables } from './pipeline-tables'
import type { SearchDomain } from './search-domain'
import { StepFunction } from './step-function'
import type { UploadBucket } from './upload-bucket'

export interface HttpApiFrontProps {
  readonly bus: IEventBus
  readonly tables: PipelineTables
  /** The bucket whose renditions `GET /images/{key}` links to. */
  readonly uploads: UploadBucket
  /** The domain `GET /search` reads; absent when the stack is deployed without search (the route answers 501). */
  readonly search?: SearchDomain
  /** The settings every step gets (resource names). */
  readonly environment: Record<string, string>
  /**
   * Requests per second the stage lets through, steady and in bursts, before answering 429: a runaway client
   * cannot run up the Lambda and DynamoDB bill. @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays
  /**
   * Concurrent executions kept for the API's function, so a burst elsewhere (an import fans 10,000 orders out in
   * seconds, each a few step invocations) cannot take the account's whole concurrency from it
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). The stage's burst of 100 requests
   * at ~50 ms each needs about 5. @default 20
   */
  readonly reservedConcurrency?: number
}

/** One JSON line per request (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html). */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    caller: '$context.identity.userArn',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    error: '$context.error.message',
  }),
)

/**
 * The HTTP API (POST /orders, users, searches): one Lambda step behind an HTTP API's `$default` route
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html). Defaults it enforces:
 * - IAM authorization on the default route (`HttpIamAuthorizer`): callers sign requests with SigV4 and need
 *   `execute-api:Invoke` on the API (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html);
 * - one unauthenticated route, `OPTIONS /{proxy+}`, since browsers send CORS preflights without credentials; the
 *   step answers them itself without running a route (API Gateway's own CORS stays off, as the step requires);
 * - the `$default` stage throttled, auto-deployed, with JSON access logs in a log group kept one month.
 * The step may read and write orders (and query the `byCustomer` index), users and idempotency records, and put
 * events on the bus.
 *
 * The read side, `GET /search` and `GET /images/{key+}`, is a second step (`searchApi`) behind routes of its own, also
 * IAM-authorized: its role may only search the index (named in the domain's access policy for `_search`), read image
 * records, and read renditions, which it links to with presigned URLs. The orders step cannot read the domain, and
 * this one cannot write anything.
 */
export class HttpApiFront extends Construct {
  readonly step: StepFunction
  readonly searchStep: StepFunction
  readonly httpApi: HttpApi
  readonly stage: HttpStage
  readonly accessLogs: LogGroup

  constructor(scope: Construct, id: string, props: HttpApiFrontProps) {
    super(scope, id)
    // Under the HTTP API's 30-second integration timeout, so the function, not the gateway, ends a slow request
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
    this.step = new StepFunction(this, 'httpApi', {
      environment: props.environment,
      serviceName: 'api',
      timeout: Duration.seconds(10),
      reservedConcurrency: props.reservedConcurrency ?? 20,
      // The HTTP API does not trace, so Lambda's own sampling would record nearly every request.
      tracing: Tracing.PASS_THROUGH,
    })
    const api = this.step.function
    grantTableData(props.tables.orders, api, { write: true, indexes: [customerIndex] })
    props.tables.users.grantReadWriteData(api)
    props.tables.idempotency.grantReadWriteData(api)
    props.bus.grantPutEventsTo(api)

    const integration = new HttpLambdaIntegration('ApiIntegration', api)
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: "The pipeline's HTTP API: orders, users and searches",
      defaultIntegration: integration,
      defaultAuthorizer: new HttpIamAuthorizer(),
      // The $default stage is made below, with throttling and access logs, which the built-in one cannot take.
      createDefaultStage: false,
    })
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: accessLogFormat },
    })

    const [preflight] = this.httpApi.addRoutes({
      path: '/{proxy+}',
      methods: [HttpMethod.OPTIONS],
      integration,
      authorizer: new HttpNoneAuthorizer(),
    })
    acknowledge(
      preflight!,
      'AwsSolutions-APIG4',
      'CORS preflight (OPTIONS): browsers send it without credentials, so it cannot be signed; the step answers it with the CORS headers only and runs no route.',
    )

    // As the API's function: ended by its own timeout before the gateway's, and following no sampling decision of its own.
    this.searchStep = new StepFunction(this, 'searchApi', {
      environment: props.environment,
      serviceName: 'api',
      timeout: Duration.seconds(10),
      tracing: Tracing.PASS_THROUGH,
    })
    const search = this.searchStep.function
    props.tables.images.grantReadData(search)
    // A presigned URL carries the signer's permissions: the role may read renditions, and nothing else of the bucket.
    props.uploads.grantReadObjects(search, RenditionsPrefix)
    props.search?.grant(search, 'read')
    const searchIntegration = new HttpLambdaIntegration('SearchIntegration', search)
    for (const path of ['/search', '/images/{key+}']) {
      this.httpApi.addRoutes({
        path,
        methods: [HttpMethod.GET],
        integration: searchIntegration,
        authorizer: new HttpIamAuthorizer(),
      })
      const [searchPreflight] = this.httpApi.addRoutes({
        path,
        methods: [HttpMethod.OPTIONS],
        integration: searchIntegration,
        authorizer: new HttpNoneAuthorizer(),
      })
      acknowledge(
        searchPreflight!,
        'AwsSolutions-APIG4',
        'CORS preflight (OPTIONS) of a search route: browsers send it without credentials, so it cannot be signed; the search step answers it with the CORS headers only and reads nothing.',
      )
    }
  }

  /** The API's base URL (the `$default` stage), ending in `/`. */
  get url(): string {
    return this.stage.url
  }
}
