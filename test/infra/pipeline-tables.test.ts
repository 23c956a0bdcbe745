import { RemovalPolicy } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { grantTableData, PipelineTables } from '../../infra/aws/constructs/pipeline-tables'
import { permissionsOf, resourcesByPath, testStack } from './support/synth'

describe('PipelineTables', () => {
  const stack = testStack()
  const tables = new PipelineTables(stack, 'Tables')
  const template = Template.fromStack(stack)
  const byPath = resourcesByPath(template, 'AWS::DynamoDB::Table')

  it('makes the six tables under the construct ids the local runtime names them by', () => {
    expect(Object.keys(byPath).sort()).toEqual(
      ['Idempotency', 'Images', 'Ledger', 'Orders', 'State', 'Users'].map((name) => `Tables/${name}/Resource`).sort(),
    )
  })

  it.each(['Images', 'State', 'Ledger', 'Orders', 'Users', 'Idempotency'])(
    'bills %s on demand, encrypts it, keeps point-in-time recovery and retains it',
    (name) => {
      const table = byPath[`Tables/${name}/Resource`]!
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      })
      expect(table.DeletionPolicy).toBe('Retain')
    },
  )

  it.each([
    ['Orders', 'NEW_AND_OLD_IMAGES'],
    ['Users', 'NEW_AND_OLD_IMAGES'],
    ['Images', undefined],
    ['State', undefined],
    ['Ledger', undefined],
    ['Idempotency', undefined],
  ])('streams %s changes (%s) only where a pipe reads them', (name, view) => {
    expect(
      (byPath[`Tables/${name}/Resource`]!.Properties!.StreamSpecification as { StreamViewType?: string } | undefined)
        ?.StreamViewType,
    ).toBe(view)
  })

  it.each([
    ['Ledger', 'expiresAt'],
    ['Idempotency', 'expiresAt'],
  ])(
    'expires %s items by TTL on %s (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html)',
    (name, attribute) => {
      expect(byPath[`Tables/${name}/Resource`]!.Properties).toMatchObject({
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      })
    },
  )

  it('indexes orders by customer and by pending shard', () => {
    const indexes = byPath['Tables/Orders/Resource']!.Properties!.GlobalSecondaryIndexes as Array<{
      IndexName: string
      KeySchema: unknown
    }>
    expect(indexes.map((index) => [index.IndexName, index.KeySchema])).toEqual([
      [
        'byCustomer',
        [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'orderId', KeyType: 'RANGE' },
        ],
      ],
      [
        'pending',
        [
          { AttributeName: 'pendingShard', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
      ],
    ])
  })

  it('can be destroyed with the stack when asked to', () => {
    const scratch = testStack()
    new PipelineTables(scratch, 'Tables', { removalPolicy: RemovalPolicy.DESTROY })

    expect(
      Object.values(resourcesByPath(Template.fromStack(scratch), 'AWS::DynamoDB::Table')).map(
        (table) => table.DeletionPolicy,
      ),
    ).toEqual(Array(6).fill('Delete'))
  })

  describe('grantTableData', () => {
    it.each([
      [
        'reads the table only',
        {},
        [
          'dynamodb:BatchGetItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
        ].map((action) => `${action} on <TablesOrders.Arn>`),
      ],
      [
        'writes the table with write',
        { write: true },
        [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DeleteItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:UpdateItem',
        ].map((action) => `${action} on <TablesOrders.Arn>`),
      ],
      [
        'queries the named index, not index/*',
        { indexes: ['pending'] },
        [
          ...[
            'dynamodb:BatchGetItem',
            'dynamodb:ConditionCheckItem',
            'dynamodb:DescribeTable',
            'dynamodb:GetItem',
            'dynamodb:Query',
            'dynamodb:Scan',
          ].map((action) => `${action} on <TablesOrders.Arn>`),
          'dynamodb:Query on <TablesOrders.Arn>/index/pending',
        ].sort(),
      ],
    ])('%s', (_name, access, expected) => {
      const scratch = testStack()
      const scratchTables = new PipelineTables(scratch, 'Tables')
      const role = new Role(scratch, 'Step', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') })

      grantTableData(scratchTables.orders, role, access)

      expect(permissionsOf(Template.fromStack(scratch), 'Step')).toEqual(expected)
    })
  })

  it('exposes every table', () => {
    expect(
      [tables.images, tables.state, tables.ledger, tables.orders, tables.users, tables.idempotency].map(
        (table) => table.node.id,
      ),
    ).toEqual(['Images', 'State', 'Ledger', 'Orders', 'Users', 'Idempotency'])
  })
})
