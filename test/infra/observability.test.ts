import { Template } from 'aws-cdk-lib/assertions'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2'
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { Queue } from 'aws-cdk-lib/aws-sqs'
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Observability } from '../../infra/aws/constructs/observability'
import { pipelineTemplate, resourcesByPath, testStack } from './support/synth'

type Alarm = {
  MetricName: string
  Namespace: string
  Threshold: number
  ComparisonOperator: string
  EvaluationPeriods: number
  TreatMissingData: string
  Period: number
  Statistic: string
  Dimensions: Array<{ Name: string; Value: { 'Fn::GetAtt': [string, string] } }>
}

describe('Observability', () => {
  describe('in the pipeline', () => {
    const template = pipelineTemplate()
    const alarms = Object.values(resourcesByPath(template, 'AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties as unknown as Alarm,
    )
    const ofMetric = (name: string) => alarms.filter((alarm) => alarm.MetricName === name)

    const stepFunctions = Object.values(resourcesByPath(template, 'AWS::Lambda::Function')).filter(
      (fn) =>
        (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.PIPELINE_STEP,
    )

    it('raises an alarm per dead-letter queue, per workflow (failed, timed out), per step (errors, throttles), per pipe, on the orders queue and on the API', () => {
      expect(
        Object.fromEntries(
          [
            'ApproximateNumberOfMessagesVisible',
            'ExecutionsFailed',
            'ExecutionsTimedOut',
            'Errors',
            'Throttles',
            'ApproximateAgeOfOldestMessage',
            '5xx',
          ].map((metric) => [
            metric,
            ofMetric(metric).filter((alarm) => alarm.Namespace !== 'AWS/EventBridge/Pipes').length,
          ]),
        ),
      ).toEqual({
        ApproximateNumberOfMessagesVisible: 7,
        ExecutionsFailed: 5,
        ExecutionsTimedOut: 5,
        Errors: stepFunctions.length,
        Throttles: stepFunctions.length,
        ApproximateAgeOfOldestMessage: 1,
        '5xx': 1,
      })
      expect(alarms).toHaveLength(7 + 5 + 5 + 2 * stepFunctions.length + 2 + 1 + 1)
    })

    it.each([
      ['a message visible in a dead-letter queue', 'ApproximateNumberOfMessagesVisible', 'AWS/SQS', 'Maximum'],
      ['a failed execution', 'ExecutionsFailed', 'AWS/States', 'Sum'],
      // A state machine's own timeout reaches no Catch (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)
      ['a timed-out execution', 'ExecutionsTimedOut', 'AWS/States', 'Sum'],
      ['a step error', 'Errors', 'AWS/Lambda', 'Sum'],
      ['a throttled step', 'Throttles', 'AWS/Lambda', 'Sum'],
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html
      ['a failed pipe execution', 'ExecutionFailed', 'AWS/EventBridge/Pipes', 'Sum'],
      ['a 5xx answer of the API', '5xx', 'AWS/ApiGateway', 'Sum'],
    ])('fires on %s within a minute, and not on silence', (_name, metric, namespace, statistic) => {
      const found = ofMetric(metric).filter((alarm) => alarm.Namespace === namespace)
      expect(found.length).toBeGreaterThan(0)
      for (const alarm of found) {
        expect(alarm).toMatchObject({
          Namespace: namespace,
          Statistic: statistic,
          Period: 60,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        })
      }
    })

    it('watches each pipe by its name, and the orders queue by the age of its oldest message', () => {
      const pipes = Object.keys(template.findResources('AWS::Pipes::Pipe')).sort()
      expect(
        ofMetric('ExecutionFailed')
          .filter((alarm) => alarm.Namespace === 'AWS/EventBridge/Pipes')
          .map((alarm) => alarm.Dimensions[0] as unknown as { Name: string; Value: { Ref: string } })
          .map((dimension) => [dimension.Name, dimension.Value.Ref])
          .sort(),
      ).toEqual(pipes.map((id) => ['PipeName', id]))
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
      expect(ofMetric('ApproximateAgeOfOldestMessage')).toEqual([
        expect.objectContaining({ Namespace: 'AWS/SQS', Statistic: 'Maximum', Threshold: 900, Period: 60 }),
      ])
    })

    it('watches every dead-letter queue of the stack', () => {
      const queues = Object.keys(template.findResources('AWS::SQS::Queue'))
        .filter((id) => id.includes('DeadLetters'))
        .sort()
      const watched = ofMetric('ApproximateNumberOfMessagesVisible')
        .map((alarm) => alarm.Dimensions[0]!)
        .map((dimension) => [dimension.Name, dimension.Value['Fn::GetAtt'][0]])

      expect(queues).toHaveLength(7)
      expect(watched.sort()).toEqual(queues.map((id) => ['QueueName', id]))
    })

    it('puts one dashboard with the alarms, dead letters, executions, steps and API on it', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1)
      const body = JSON.stringify(
        Object.values(resourcesByPath(template, 'AWS::CloudWatch::Dashboard'))[0]!.Properties!.DashboardBody,
      )
      for (const title of [
        'Alarms',
        'Dead letters (messages visible)',
        'Executions failed',
        'Executions timed out',
        'Pipe executions failed',
        'Executions started',
        'Step errors',
        'Step throttles',
        'Step duration (p99)',
        'API requests and errors',
        'API latency (p99)',
      ]) {
        expect(body).toContain(`\\"title\\":\\"${title}\\"`)
      }
    })
  })

  it('sends every alarm to the action it is given', () => {
    const stack = testStack()
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {}'),
    })
    const stateMachine = new StateMachine(stack, 'Machine', {
      definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Done')),
    })
    const topic = new Topic(stack, 'Alarms')

    new Observability(stack, 'Observability', {
      deadLetterQueues: { Dlq: new Queue(stack, 'Dlq') },
      workflows: { Machine: stateMachine },
      steps: { Fn: fn },
      httpApi: new HttpApi(stack, 'Api'),
      alarmAction: new SnsAction(topic),
    })

    const template = Template.fromStack(stack)
    // One DLQ, one workflow (failed, timed out), one step (errors, throttles), the API.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6)
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] }],
    })
  })
})
