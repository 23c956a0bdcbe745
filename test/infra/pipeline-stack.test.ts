import { synthesizedPipeline } from '../support/synthesized'
import { localModel } from '../../infra/local/model/template'
import { StepKeys } from '../../steps/kit/catalog'
import { WorkflowTag } from '../../contracts/executions'
import { pipelineTemplate, resourceAt } from './support/synth'

const Workflows = ['ImageWorkflow', 'OrderWorkflow', 'ChangeWorkflow', 'ImportWorkflow', 'MaintenanceWorkflow']

describe('PipelineStack', () => {
  const template = pipelineTemplate()
  const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>

  it.each([
    ['AWS::StepFunctions::StateMachine', 5],
    ['AWS::Lambda::Function', StepKeys.length + 1], // the steps, and the CDK's bucket-notifications handler
    // One per step, per workflow, the API's access logs, the bucket-notifications handler's, the search domain's three.
    ['AWS::Logs::LogGroup', StepKeys.length + 5 + 1 + 1 + 3],
    ['AWS::OpenSearchService::Domain', 1],
    ['AWS::SQS::Queue', 8],
    ['AWS::SQS::QueuePolicy', 8],
    ['AWS::DynamoDB::Table', 6],
    ['AWS::S3::Bucket', 2],
    ['AWS::S3::BucketPolicy', 2],
    ['AWS::Events::EventBus', 1],
    ['AWS::Events::Archive', 1],
    ['AWS::Events::Rule', 5 + 2], // four that start workflows and the upload forwarding; uncaught ends of the two Standard workflows
    ['AWS::Pipes::Pipe', 2],
    ['AWS::Scheduler::Schedule', 1],
    ['AWS::ApiGatewayV2::Api', 1],
    // DLQ depths, failed and timed-out executions, errors and throttles per step, pipe failures, queue age, API 5xx.
    ['AWS::CloudWatch::Alarm', 7 + 5 + 5 + 2 * StepKeys.length + 2 + 1 + 1],
    ['AWS::CloudWatch::Dashboard', 1],
    ['AWS::XRay::SamplingRule', 1],
  ])('holds %s × %i', (type, count) => {
    template.resourceCountIs(type, count)
  })

  it('samples 1% of workflow executions for X-Ray, with no reservoir that would trace nearly all at this volume', () => {
    // Step Functions follows the account's sampling rules (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html)
    expect(resourceAt(template, 'TracingSampling/Workflows').resource.Properties).toEqual({
      SamplingRule: {
        RuleName: 'Pipeline-workflows',
        Priority: 100,
        FixedRate: 0.01,
        ReservoirSize: 0,
        ServiceName: '*',
        ServiceType: 'AWS::StepFunctions::StateMachine',
        Host: '*',
        HTTPMethod: '*',
        URLPath: '*',
        ResourceARN: '*',
        Version: 1,
      },
    })
  })

  it('outputs the API URL, the bucket, bus and queue, and every state machine ARN', () => {
    expect(outputs).toMatchObject({
      ApiUrl: {
        Value: {
          'Fn::Join': [
            '',
            [
              'https://',
              { Ref: resourceAt(template, 'Api/HttpApi/Resource').id },
              '.execute-api.',
              { Ref: 'AWS::Region' },
              '.',
              { Ref: 'AWS::URLSuffix' },
              '/',
            ],
          ],
        },
      },
      BucketName: { Value: { Ref: resourceAt(template, 'Storage/Uploads/Resource').id } },
      BusName: { Value: { Ref: resourceAt(template, 'Events/Bus/Resource').id } },
      OrdersQueueUrl: { Value: { Ref: resourceAt(template, 'OrderIntake/OrdersQueue/Resource').id } },
    })
    for (const workflow of Workflows) {
      const machine = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) =>
        id.includes(`${workflow}StateMachine`),
      )!
      expect(outputs[`${workflow}StateMachineArn`]).toEqual(expect.objectContaining({ Value: { Ref: machine[0] } }))
    }
  })

  it.each(Workflows)("links %s in the Step Functions console of the stack's region", (workflow) => {
    const machineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).find((id) =>
      id.includes(`${workflow}StateMachine`),
    )
    expect(outputs[`${workflow}ConsoleUrl`]!.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: 'AWS::Region' },
          '.console.aws.amazon.com/states/home?region=',
          { Ref: 'AWS::Region' },
          '#/statemachines/view/',
          { Ref: machineId },
        ],
      ],
    })
  })

  it("links the dashboard in the CloudWatch console of the stack's region", () => {
    expect(outputs.DashboardUrl!.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: 'AWS::Region' },
          '.console.aws.amazon.com/cloudwatch/home?region=',
          { Ref: 'AWS::Region' },
          '#dashboards:name=',
          { Ref: resourceAt(template, 'Observability/Dashboard/Resource').id },
        ],
      ],
    })
  })

  it('keeps the names the local runtime gives its queues, tables, rules, workflows, pipes and schedule', () => {
    const model = localModel(synthesizedPipeline(), WorkflowTag)

    expect(model.queues.map((queue) => queue.name).sort()).toEqual([
      'ChangeDeadLetters',
      'ImageDeadLetters',
      'ImportDeadLetters',
      'OrderDeadLetters',
      'OrdersQueue',
      'OrdersQueueDeadLetters',
      'PipeDeadLetters',
      'RuleTargetDeadLetters',
    ])
    expect((model.tables ?? []).map((table) => table.name).sort()).toEqual([
      'Idempotency',
      'Images',
      'Ledger',
      'Orders',
      'State',
      'Users',
    ])
    expect(model.rules.map((rule) => rule.name).sort()).toEqual([
      'BulkImportDeadLetterUncaughtEnds',
      'ForwardUploadNotifications',
      'ImageProcessingDeadLetterUncaughtEnds',
      'StartChangeWorkflow',
      'StartImageWorkflow',
      'StartImportWorkflow',
      'StartOrderWorkflow',
    ])
    expect(model.stateMachines.map((machine) => [machine.name, machine.workflow])).toEqual([
      ['ImageWorkflow', 'image'],
      ['OrderWorkflow', 'order'],
      ['ChangeWorkflow', 'change'],
      ['ImportWorkflow', 'import'],
      ['MaintenanceWorkflow', 'maintenance'],
    ])
    expect((model.pipes ?? []).map((pipe) => pipe.name)).toEqual(['OrderChangesPipe', 'UserChangesPipe'])
    expect((model.schedules ?? []).map((schedule) => schedule.name)).toEqual(['MaintenanceSchedule'])
    expect(model.buses.map((bus) => bus.name)).toEqual(['default', 'Pipeline'])
    expect(model.functions).toHaveLength(StepKeys.length)
    expect(model.functions[0]!.environment).toMatchObject({
      BUCKET_NAME: 'uploads',
      ORDERS_TABLE: 'Orders',
      USERS_TABLE: 'Users',
    })
  })
})
