import { StepKeys } from '../../steps/kit/catalog'
import { permissionsOf, pipelineTemplate, resourcesByPath } from './support/synth'

// Action sets as the grants give them, on one resource (`<LogicalIdWithoutHash.Arn>`).
const on = (resource: string, actions: ReadonlyArray<string>) =>
  actions.map((action) => `${action} on <${resource}.Arn>`)
/** The CDK's `grantReadData` / `grantReadWriteData` on a table without indexes. */
const tableRead = (table: string) =>
  on(table, [
    'dynamodb:BatchGetItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
    'dynamodb:GetItem',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:Query',
    'dynamodb:Scan',
  ])
const tableReadWrite = (table: string) => [
  ...tableRead(table),
  ...on(table, ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
]
/** `grantTableData` on the orders table: its items, not its indexes. */
const ordersRead = () =>
  on('TablesOrders', [
    'dynamodb:BatchGetItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
  ])
const ordersReadWrite = () => [
  ...ordersRead(),
  ...on('TablesOrders', ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
]
const queryIndex = (index: string) => [`dynamodb:Query on <TablesOrders.Arn>/index/${index}`]
const putOnBus = ['events:PutEvents on <EventsBus.Arn>']
const listBucket = ['s3:ListBucket on <StorageUploads.Arn>']
const readObjects = (prefix: string) => [`s3:GetObject on <StorageUploads.Arn>/${prefix}/*`]
const writeObjects = (prefix: string) => [`s3:PutObject on <StorageUploads.Arn>/${prefix}/*`]
const deadLetterQueues = [
  'DeadLettersImageDeadLetters',
  'DeadLettersRuleTargetDeadLetters',
  'DeadLettersOrderDeadLetters',
  'DeadLettersChangeDeadLetters',
  'DeadLettersImportDeadLetters',
  'DeadLettersPipeDeadLetters',
  'OrderIntakeOrdersQueueDeadLetters',
]

/** Everything a step's role allows beyond writing its own log group and sending traces. */
const stepPermissions = (stepPath: string) => {
  const own = (line: string) =>
    new RegExp(`^logs:(CreateLogStream|PutLogEvents) on <${stepPath.replace(/\//g, '')}Logs\\.Arn>$`).test(line) ||
    /^xray:(PutTraceSegments|PutTelemetryRecords) on \*$/.test(line)
  return permissionsOf(pipelineTemplate(), `${stepPath}/Role`).filter((line) => !own(line))
}

describe('least privilege', () => {
  it.each<[string, ReadonlyArray<string>]>([
    [
      'ImageProcessing/RenderImageStep',
      [...readObjects('uploads'), ...readObjects('thumbnails'), ...writeObjects('thumbnails'), ...listBucket],
    ],
    [
      'ImageProcessing/PersistImageStep',
      [...tableReadWrite('TablesImages'), ...tableReadWrite('TablesLedger'), ...putOnBus],
    ],
    // The index steps reach the search domain through its access policy only (test/infra/search-domain.test.ts).
    ['ImageProcessing/IndexImageStep', []],
    ['ImageProcessing/RecordImageFailureStep', tableReadWrite('TablesImages')],
    [
      'Api/HttpApiStep',
      [
        ...ordersReadWrite(),
        ...queryIndex('byCustomer'),
        ...tableReadWrite('TablesUsers'),
        ...tableReadWrite('TablesIdempotency'),
        ...putOnBus,
      ],
    ],
    // Reads renditions only: its presigned links carry its own permissions.
    ['Api/SearchApiStep', [...tableRead('TablesImages'), ...readObjects('thumbnails'), ...listBucket]],
    ['OrderProcessing/ValidateOrderStep', tableRead('TablesUsers')],
    ['OrderProcessing/PersistOrderStep', ordersReadWrite()],
    ['OrderProcessing/NotifyOrderStep', [...tableReadWrite('TablesLedger'), ...putOnBus]],
    [
      'OrderProcessing/ReceiveOrdersStep',
      [
        ...on('OrderIntakeOrdersQueue', [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ]),
        ...putOnBus,
      ],
    ],
    ['ChangeProcessing/DecodeOrderChangesStep', []],
    ['ChangeProcessing/DecodeUserChangesStep', []],
    ['ChangeProcessing/ApplyChangeStep', []],
    ['ChangeProcessing/NotifyChangeStep', [...tableReadWrite('TablesLedger'), ...putOnBus]],
    [
      'BulkImport/ImportOrdersStep',
      [
        ...readObjects('imports'),
        ...writeObjects('reports'),
        ...listBucket,
        ...tableReadWrite('TablesLedger'),
        ...putOnBus,
      ],
    ],
    [
      'Maintenance/ReconcileSearchStep',
      [...ordersRead(), ...tableRead('TablesUsers'), ...tableReadWrite('TablesState')],
    ],
    [
      'Maintenance/PublishDlqDepthsStep',
      [...deadLetterQueues.flatMap((queue) => on(queue, ['sqs:GetQueueAttributes'])), ...putOnBus],
    ],
    [
      'Maintenance/RepublishStaleOrdersStep',
      [...ordersRead(), ...on('TablesOrders', ['dynamodb:UpdateItem']), ...queryIndex('pending'), ...putOnBus],
    ],
  ])('lets %s do only what its program does', (step, expected) => {
    expect(stepPermissions(step)).toEqual([...expected].sort())
  })

  it('covers every step', () => {
    const roles = Object.keys(resourcesByPath(pipelineTemplate(), 'AWS::IAM::Role')).filter((path) =>
      /Step\/Role\/Resource$/.test(path),
    )
    expect(roles).toHaveLength(StepKeys.length)
  })

  it('lets the persist-image step put events on the pipeline bus and no other', () => {
    expect(stepPermissions('ImageProcessing/PersistImageStep').filter((line) => line.startsWith('events:'))).toEqual([
      'events:PutEvents on <EventsBus.Arn>',
    ])
  })

  it('lets the persist-image step write the images table and the ledger and nothing else', () => {
    const writes = stepPermissions('ImageProcessing/PersistImageStep').filter((line) =>
      /dynamodb:(Put|Update|Delete|BatchWrite)/.test(line),
    )
    expect(writes.length).toBeGreaterThan(0)
    expect(writes.filter((line) => !/ on <Tables(Images|Ledger)\.Arn>$/.test(line))).toEqual([])
  })

  it("gives no role a managed policy but the CDK's own bucket-notifications handler", () => {
    const managed = Object.entries(resourcesByPath(pipelineTemplate(), 'AWS::IAM::Role'))
      .filter(([, role]) => role.Properties?.ManagedPolicyArns)
      .map(([path]) => path)
    expect(managed).toEqual([expect.stringMatching(/^BucketNotificationsHandler[0-9a-f]+\/Role\/Resource$/)])
  })

  it('allows "*" only for X-Ray, Step Functions log delivery and dynamodb:ListStreams, which take no resource', () => {
    const roles = Object.keys(resourcesByPath(pipelineTemplate(), 'AWS::IAM::Role')).map((path) =>
      path.replace(/\/Resource$/, ''),
    )
    const wildcard = new Set(
      roles
        .flatMap((role) => permissionsOf(pipelineTemplate(), role))
        .filter((line) => line.endsWith(' on *'))
        .map((line) => line.replace(/ on \*$/, '')),
    )

    expect([...wildcard].sort()).toEqual([
      'dynamodb:ListStreams',
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ])
  })
})
