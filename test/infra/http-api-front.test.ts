import { Template } from 'aws-cdk-lib/assertions'
import { EventBus } from 'aws-cdk-lib/aws-events'
import { Queue } from 'aws-cdk-lib/aws-sqs'
import { HttpApiFront } from '../../infra/aws/constructs/http-api-front'
import { PipelineTables } from '../../infra/aws/constructs/pipeline-tables'
import { UploadBucket } from '../../infra/aws/constructs/upload-bucket'
import { resourceAt, resourcesByPath, testStack } from './support/synth'

const build = (props: Partial<ConstructorParameters<typeof HttpApiFront>[2]> = {}) => {
  const stack = testStack()
  const bus = new EventBus(stack, 'Bus')
  new HttpApiFront(stack, 'Api', {
    bus,
    tables: new PipelineTables(stack, 'Tables'),
    uploads: new UploadBucket(stack, 'Storage', { bus, forwardDeadLetterQueue: new Queue(stack, 'Dlq') }),
    environment: {},
    ...props,
  })
  return Template.fromStack(stack)
}

describe('HttpApiFront', () => {
  const template = build()
  const routes = resourcesByPath(template, 'AWS::ApiGatewayV2::Route')
  const stage = resourceAt(template, 'Api/HttpApi/DefaultStage/Resource')

  it("answers within the HTTP API's 30-second integration timeout, with concurrency of its own", () => {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html (integration timeout 30 s);
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html (reserved concurrency)
    const fn = resourceAt(template, 'Api/HttpApiStep/Function/Resource').resource.Properties as {
      Timeout: number
      ReservedConcurrentExecutions: number
    }
    expect(fn.Timeout).toBeLessThan(30)
    expect(fn.ReservedConcurrentExecutions).toBe(20)
  })

  it('makes one HTTP API whose default route needs IAM authorization (SigV4)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1)
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' })
    expect(routes['Api/HttpApi/DefaultRoute/Resource']!.Properties).toMatchObject({
      RouteKey: '$default',
      AuthorizationType: 'AWS_IAM',
    })
  })

  // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
  it('needs IAM authorization on every route but the CORS preflights: the search routes included', () => {
    expect(
      Object.values(routes)
        .map((route) => [route.Properties!.RouteKey, route.Properties!.AuthorizationType])
        .sort(),
    ).toEqual([
      ['$default', 'AWS_IAM'],
      ['GET /images/{key+}', 'AWS_IAM'],
      ['GET /search', 'AWS_IAM'],
      ['OPTIONS /images/{key+}', 'NONE'],
      ['OPTIONS /search', 'NONE'],
      ['OPTIONS /{proxy+}', 'NONE'],
    ])
    expect(routes['Api/HttpApi/OPTIONS--{proxy+}/Resource']!.Properties!.Target).toEqual(
      routes['Api/HttpApi/DefaultRoute/Resource']!.Properties!.Target,
    )
  })

  it('throttles the $default stage (50 requests a second, bursts of 100) and deploys it automatically', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1)
    expect(stage.resource.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    })
  })

  it('takes other throttling limits from its props', () => {
    expect(
      resourceAt(build({ throttle: { rateLimit: 5, burstLimit: 10 } }), 'Api/HttpApi/DefaultStage/Resource').resource
        .Properties,
    ).toMatchObject({ DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } })
  })

  it('writes one JSON access-log line per request, caller included, to a log group kept a month', () => {
    const logs = resourceAt(template, 'Api/AccessLogs/Resource')
    const settings = stage.resource.Properties!.AccessLogSettings as { DestinationArn: unknown; Format: string }
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logs.id, 'Arn'] })
    expect(JSON.parse(settings.Format)).toMatchObject({
      requestId: '$context.requestId',
      caller: '$context.identity.userArn',
      status: '$context.status',
      routeKey: '$context.routeKey',
    })
    expect(logs.resource.Properties).toMatchObject({ RetentionInDays: 30 })
  })

  it('integrates the API step and the search step by Lambda proxy', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2)
    for (const step of ['HttpApiStep', 'SearchApiStep'])
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [resourceAt(template, `Api/${step}/Function/Resource`).id, 'Arn'] },
      })
  })

  it('sends GET /search and GET /images/{key+} to the search step', () => {
    const searchFunction = resourceAt(template, 'Api/SearchApiStep/Function/Resource').id
    const resources = (template.toJSON() as { Resources: Record<string, { Type: string; Properties: unknown }> })
      .Resources
    const [integration] = Object.entries(resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::ApiGatewayV2::Integration' &&
        JSON.stringify(resource.Properties).includes(searchFunction),
    )!
    const target = (key: string) =>
      Object.values(routes).find((route) => route.Properties!.RouteKey === key)!.Properties!.Target
    for (const key of ['GET /search', 'GET /images/{key+}', 'OPTIONS /search', 'OPTIONS /images/{key+}'])
      expect(target(key)).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integration }]] })
  })
})
