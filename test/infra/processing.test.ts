import { OrderChangedType, UserChangedType } from '../../contracts/sources'
import { compilePattern, validatePattern } from '../../infra/local/eventbridge/pattern'
import { permissionsOf, pipelineTemplate, resourceAt, resourcesByPath } from './support/synth'

type Props = Record<string, unknown>

describe('the workflows (ImageProcessing, OrderProcessing, ChangeProcessing, BulkImport, Maintenance)', () => {
  const template = pipelineTemplate()

  it.each([
    ['ImageProcessing', 'ImageWorkflow', 'STANDARD', 'image', 'ERROR'],
    ['OrderProcessing', 'OrderWorkflow', 'EXPRESS', 'order', 'ERROR'],
    ['ChangeProcessing', 'ChangeWorkflow', 'EXPRESS', 'change', 'ERROR'],
    ['BulkImport', 'ImportWorkflow', 'STANDARD', 'import', 'ERROR'],
    ['Maintenance', 'MaintenanceWorkflow', 'EXPRESS', 'maintenance', 'ALL'],
  ])(
    '%s runs %s (%s, tagged %s), traced, logging at %s with execution data to a log group of its own kept a month',
    (construct, workflow, type, tag, level) => {
      const machine = resourceAt(template, `${construct}/${workflow}/StateMachine/Resource`).resource
        .Properties as Props
      const logs = resourceAt(template, `${construct}/${workflow}Logs/Resource`)

      expect(machine).toMatchObject({
        StateMachineType: type,
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: level,
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logs.id, 'Arn'] } } }],
        },
        Tags: [{ Key: 'pipeline:workflow', Value: tag }],
      })
      expect(logs.resource.Properties).toMatchObject({
        RetentionInDays: 30,
        LogGroupName: { 'Fn::Join': ['', ['/aws/vendedlogs/states/', { Ref: 'AWS::StackName' }, `-${workflow}`]] },
      })
    },
  )

  it('has five state machines, no more', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 5)
  })

  it.each([
    ['ImageProcessing/StartImageWorkflow', 'ImageProcessing/ImageWorkflow'],
    ['OrderProcessing/StartOrderWorkflow', 'OrderProcessing/OrderWorkflow'],
    ['ChangeProcessing/StartChangeWorkflow', 'ChangeProcessing/ChangeWorkflow'],
    ['BulkImport/StartImportWorkflow', 'BulkImport/ImportWorkflow'],
  ])('%s starts %s from the pipeline bus, retrying 8 times within 24 hours, then to the rule DLQ', (rule, workflow) => {
    const machine = resourceAt(template, `${workflow}/StateMachine/Resource`)
    expect(resourceAt(template, `${rule}/Resource`).resource.Properties).toMatchObject({
      EventBusName: { Ref: resourceAt(template, 'Events/Bus/Resource').id },
      State: 'ENABLED',
      Targets: [
        {
          Arn: { Ref: machine.id },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [resourceAt(template, 'DeadLetters/RuleTargetDeadLetters/Resource').id, 'Arn'] },
          },
        },
      ],
    })
    // The role EventBridge starts it with may start that state machine only.
    expect(permissionsOf(template, `${workflow}/StateMachine/EventsRole`)).toEqual([
      `states:StartExecution on <${machine.id.replace(/(.)[0-9A-F]{8}$/, '$1')}>`,
    ])
  })

  it.each([
    ['OrderChangesPipe', 'Orders', 'DecodeOrderChangesStep', OrderChangedType],
    ['UserChangesPipe', 'Users', 'DecodeUserChangesStep', UserChangedType],
  ])(
    'ChangeProcessing/%s reads the %s stream through %s onto the bus as "%s", bisecting a failing batch, three retries, then the pipe DLQ',
    (pipe, table, step, detailType) => {
      expect(resourceAt(template, `ChangeProcessing/${pipe}/Pipe`).resource.Properties).toMatchObject({
        Source: { 'Fn::GetAtt': [resourceAt(template, `Tables/${table}/Resource`).id, 'StreamArn'] },
        Enrichment: { 'Fn::GetAtt': [resourceAt(template, `ChangeProcessing/${step}/Function/Resource`).id, 'Arn'] },
        Target: { 'Fn::GetAtt': [resourceAt(template, 'Events/Bus/Resource').id, 'Arn'] },
        SourceParameters: {
          DynamoDBStreamParameters: {
            StartingPosition: 'TRIM_HORIZON',
            BatchSize: 10,
            // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html: halve a failing batch down to its failing record
            OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
            MaximumBatchingWindowInSeconds: 1,
            MaximumRetryAttempts: 3,
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [resourceAt(template, 'DeadLetters/PipeDeadLetters/Resource').id, 'Arn'] },
            },
          },
        },
        TargetParameters: { EventBridgeEventBusParameters: { DetailType: detailType } },
      })
    },
  )

  it('keeps username reservations out of the user changes, with an operator pipes support (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html)', () => {
    const filters = (
      resourceAt(template, 'ChangeProcessing/UserChangesPipe/Pipe').resource.Properties as {
        SourceParameters: { FilterCriteria: { Filters: Array<{ Pattern: string }> } }
      }
    ).SourceParameters.FilterCriteria.Filters
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { dynamodb: { Keys: { userId: { S: [{ prefix: 'usr_' }] } } } },
    ])
    for (const filter of filters) expect(() => validatePattern(filter.Pattern, { dialect: 'filter' })).not.toThrow()
  })

  it('passes placed, decided and removed orders through the orders pipe, not the bookkeeping on a PENDING one, with operators pipes support (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html)', () => {
    const filters = (
      resourceAt(template, 'ChangeProcessing/OrderChangesPipe/Pipe').resource.Properties as {
        SourceParameters: { FilterCriteria: { Filters: Array<{ Pattern: string }> } }
      }
    ).SourceParameters.FilterCriteria.Filters
    const passes = (record: unknown) =>
      filters.some((filter) => compilePattern(JSON.parse(filter.Pattern), { dialect: 'filter' })(record))
    const record = (eventName: string, status?: string) => ({
      eventName,
      dynamodb: status ? { NewImage: { orderId: { S: 'ord_1' }, status: { S: status } } } : {},
    })

    expect(
      [
        // Search finds a PENDING order: the change workflow indexes it from its INSERT.
        record('INSERT', 'PENDING'),
        // A republish count or a STUCK mark on a PENDING order.
        record('MODIFY', 'PENDING'),
        record('MODIFY', 'ACCEPTED'),
        record('MODIFY', 'REJECTED'),
        record('REMOVE'),
      ].map(passes),
    ).toEqual([true, false, true, true, true])
  })

  it.each([
    ['ImageProcessing', 'ImageWorkflow', 'ImageDeadLetters'],
    ['BulkImport', 'ImportWorkflow', 'ImportDeadLetters'],
  ])(
    '%s sends the %s executions that time out or are aborted, which no Catch sees, to %s from the default bus',
    (construct, workflow, dlq) => {
      // Standard workflows send "Step Functions Execution Status Change" to the default bus (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html)
      const machine = resourceAt(template, `${construct}/${workflow}/StateMachine/Resource`)
      const queue = resourceAt(template, `DeadLetters/${dlq}/Resource`)
      const rule = resourceAt(template, `${construct}/DeadLetterUncaughtEnds/Resource`)
      expect(rule.resource.Properties).not.toHaveProperty('EventBusName')
      expect(rule.resource.Properties).toMatchObject({
        EventPattern: {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: { status: ['TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: machine.id }] },
        },
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [queue.id, 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [resourceAt(template, 'DeadLetters/RuleTargetDeadLetters/Resource').id, 'Arn'] },
            },
          },
        ],
      })
      // The queue lets that rule, and only it, send to it.
      const policies = Object.values(resourcesByPath(template, 'AWS::SQS::QueuePolicy')).filter((policy) =>
        (policy.Properties!.Queues as unknown[]).some(
          (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: queue.id }),
        ),
      )
      expect(JSON.stringify(policies)).toContain(
        JSON.stringify({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule.id, 'Arn'] } } }),
      )
    },
  )

  it('adds no status change rule for an Express workflow, which sends none', () => {
    const rules = Object.keys(resourcesByPath(template, 'AWS::Events::Rule')).filter((path) =>
      path.endsWith('DeadLetterUncaughtEnds/Resource'),
    )
    expect(rules.sort()).toEqual([
      'BulkImport/DeadLetterUncaughtEnds/Resource',
      'ImageProcessing/DeadLetterUncaughtEnds/Resource',
    ])
  })

  it('Maintenance starts its workflow every five minutes from EventBridge Scheduler, with retries and the rule DLQ', () => {
    expect(resourceAt(template, 'Maintenance/MaintenanceSchedule/Resource').resource.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      Target: {
        Arn: { Ref: resourceAt(template, 'Maintenance/MaintenanceWorkflow/StateMachine/Resource').id },
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [resourceAt(template, 'DeadLetters/RuleTargetDeadLetters/Resource').id, 'Arn'] },
        },
      },
    })
  })

  it('OrderProcessing reads the orders queue in batches of ten, reporting failed messages one by one', () => {
    const mappings = Object.values(resourcesByPath(template, 'AWS::Lambda::EventSourceMapping'))
    expect(mappings).toHaveLength(1)
    expect(mappings[0]!.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [resourceAt(template, 'OrderIntake/OrdersQueue/Resource').id, 'Arn'] },
      FunctionName: { Ref: resourceAt(template, 'OrderProcessing/ReceiveOrdersStep/Function/Resource').id },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency
      ScalingConfig: { MaximumConcurrency: 5 },
    })
  })

  it.each([
    [
      'ImageProcessing/ImageWorkflow',
      [
        'ImageProcessingRenderImageStepFunction',
        'ImageProcessingPersistImageStepFunction',
        'ImageProcessingIndexImageStepFunction',
        'ImageProcessingRecordImageFailureStepFunction',
      ],
      ['sqs:SendMessage on <DeadLettersImageDeadLetters.Arn>', 'events:PutEvents on <EventsBus.Arn>'],
    ],
    [
      'OrderProcessing/OrderWorkflow',
      [
        'OrderProcessingValidateOrderStepFunction',
        'OrderProcessingPersistOrderStepFunction',
        'OrderProcessingNotifyOrderStepFunction',
      ],
      ['sqs:SendMessage on <DeadLettersOrderDeadLetters.Arn>'],
    ],
    [
      'ChangeProcessing/ChangeWorkflow',
      ['ChangeProcessingApplyChangeStepFunction', 'ChangeProcessingNotifyChangeStepFunction'],
      ['sqs:SendMessage on <DeadLettersChangeDeadLetters.Arn>'],
    ],
    [
      'BulkImport/ImportWorkflow',
      ['BulkImportImportOrdersStepFunction'],
      ['sqs:SendMessage on <DeadLettersImportDeadLetters.Arn>'],
    ],
    [
      'Maintenance/MaintenanceWorkflow',
      [
        'MaintenanceReconcileSearchStepFunction',
        'MaintenancePublishDlqDepthsStepFunction',
        'MaintenanceRepublishStaleOrdersStepFunction',
      ],
      [],
    ],
  ])(
    '%s may invoke its own steps and reach its own DLQ, and nothing else that takes a resource',
    (workflow, functions, others) => {
      const resourceScoped = permissionsOf(template, `${workflow}/StateMachine/Role`).filter(
        (line) => !line.endsWith(' on *'),
      )
      const invokes = functions.flatMap((fn) => [
        `lambda:InvokeFunction on <${fn}.Arn>`,
        `lambda:InvokeFunction on <${fn}.Arn>:*`,
      ])

      expect(resourceScoped).toEqual([...invokes, ...others].sort())
    },
  )
})
