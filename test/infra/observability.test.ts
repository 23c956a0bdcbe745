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

    it('raises 34 alarms: 7 dead-letter queues, 5 workflows, 21 steps, 1 API', () => {
      expect(alarms).toHaveLength(34)
      expect(
        [
          ofMetric('ApproximateNumberOfMessagesVisible'),
          ofMetric('ExecutionsFailed'),
          ofMetric('Throttles'),
          ofMetric('5xx'),
        ].map((found) => found.length),
      ).toEqual([7, 5, 21, 1])
    })

    it.each([
      ['a message visible in a dead-letter queue', 'ApproximateNumberOfMessagesVisible', 'AWS/SQS', 'Maximum'],
      ['a failed execution', 'ExecutionsFailed', 'AWS/States', 'Sum'],
      ['a throttled step', 'Throttles', 'AWS/Lambda', 'Sum'],
      ['a 5xx answer of the API', '5xx', 'AWS/ApiGateway', 'Sum'],
    ])('fires on %s within a minute, and not on silence', (_name, metric, namespace, statistic) => {
      expect(ofMetric(metric).length).toBeGreaterThan(0)
      for (const alarm of ofMetric(metric)) {
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
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4)
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] }],
    })
  })
})
