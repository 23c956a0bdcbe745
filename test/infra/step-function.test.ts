import { App, Duration, Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { Tracing } from 'aws-cdk-lib/aws-lambda'
import { StepFunction } from '../../infra/aws/constructs/step-function'
import { permissionsOf, resourceAt, testStack } from './support/synth'

describe('StepFunction', () => {
  const stack = testStack()
  new StepFunction(stack, 'persistImage', {
    environment: { IMAGES_TABLE: 'images' },
    serviceName: 'images',
  })
  const template = Template.fromStack(stack)
  const fn = resourceAt(template, 'PersistImageStep/Function/Resource')
  const logs = resourceAt(template, 'PersistImageStep/Logs/Resource')

  it('runs Node.js 24 on arm64 with active tracing, 256 MB and 10 seconds by default', () => {
    expect(fn.resource.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 256,
      Timeout: 10,
      Handler: 'index.handler',
    })
  })

  it('names the step it runs and sets the Powertools environment beside the settings it is given', () => {
    expect((fn.resource.Properties!.Environment as { Variables: Record<string, string> }).Variables).toEqual({
      PIPELINE_STEP: 'persist-image',
      POWERTOOLS_SERVICE_NAME: 'images',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'Pipeline',
      IMAGES_TABLE: 'images',
    })
  })

  it('enables source maps at run time only when asked (-c enableSourceMaps=true): parsing the map slows every cold start', () => {
    // NODE_OPTIONS is read when Lambda starts the runtime (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html)
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true, enableSourceMaps: 'true' },
    })
    const scratch = new Stack(app, 'WithMaps')
    new StepFunction(scratch, 'persistImage')

    const variables = (
      resourceAt(Template.fromStack(scratch), 'PersistImageStep/Function/Resource').resource.Properties!
        .Environment as {
        Variables: Record<string, string>
      }
    ).Variables
    expect(variables.NODE_OPTIONS).toBe('--enable-source-maps')
  })

  it('logs JSON to a log group of its own, kept a month and deleted with the stack, without START and REPORT lines', () => {
    // At system level WARN Lambda sends no START and REPORT per invocation (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html)
    expect(fn.resource.Properties).toMatchObject({
      LoggingConfig: {
        LogGroup: { Ref: logs.id },
        LogFormat: 'JSON',
        SystemLogLevel: 'WARN',
        ApplicationLogLevel: 'INFO',
      },
    })
    expect(logs.resource.Properties).toMatchObject({ RetentionInDays: 30 })
    expect(logs.resource.DeletionPolicy).toBe('Delete')
  })

  it('has a role of its own that may only write its log group and send traces, with no managed policy', () => {
    const role = resourceAt(template, 'PersistImageStep/Role/Resource')
    expect(fn.resource.Properties).toMatchObject({ Role: { 'Fn::GetAtt': [role.id, 'Arn'] } })
    expect(role.resource.Properties).not.toHaveProperty('ManagedPolicyArns')
    expect(role.resource.Properties).toMatchObject({
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
    })
    expect(permissionsOf(template, 'PersistImageStep/Role')).toEqual([
      'logs:CreateLogStream on <PersistImageStepLogs.Arn>',
      'logs:PutLogEvents on <PersistImageStepLogs.Arn>',
      'xray:PutTelemetryRecords on *',
      'xray:PutTraceSegments on *',
    ])
  })

  it("follows its caller's sampling decision only when it is an entry point that passes tracing through", () => {
    // Lambda's own sampling is fixed at one request a second, then 5% (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)
    const scratch = testStack()
    new StepFunction(scratch, 'httpApi', { tracing: Tracing.PASS_THROUGH })

    expect(resourceAt(Template.fromStack(scratch), 'HttpApiStep/Function/Resource').resource.Properties).toMatchObject({
      TracingConfig: { Mode: 'PassThrough' },
    })
  })

  it('takes memory and timeout from its props', () => {
    const scratch = testStack()
    new StepFunction(scratch, 'renderImage', { memorySize: 2048, timeout: Duration.minutes(1) })

    expect(
      resourceAt(Template.fromStack(scratch), 'RenderImageStep/Function/Resource').resource.Properties,
    ).toMatchObject({
      MemorySize: 2048,
      Timeout: 60,
    })
  })
})
