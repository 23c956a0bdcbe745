import { RemovalPolicy } from 'aws-cdk-lib'
import {
  AttributeType,
  BillingMode,
  StreamViewType,
  Table,
  TableEncryption,
  type ITable,
} from 'aws-cdk-lib/aws-dynamodb'
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam'
import { Construct } from 'constructs'
import { customerIndex, pendingIndex } from '../layers/order-table-dynamodb'

export interface PipelineTablesProps {
  /** What happens to the tables when the stack is deleted. @default RemovalPolicy.RETAIN: data outlives the stack */
  readonly removalPolicy?: RemovalPolicy
}

// The item-level actions the CDK's `grantReadData` and `grantWriteData` give, without its `index/*` resource.
const ReadDataActions = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
]
const WriteDataActions = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']

/**
 * The pipeline's DynamoDB tables. Defaults every table gets: on-demand capacity (nothing to pay at idle but
 * storage), encryption at rest under the AWS managed key `aws/dynamodb` (`TableEncryption.AWS_MANAGED`, whose use
 * CloudTrail shows, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html),
 * point-in-time recovery, retained when the stack is deleted; a TTL
 * attribute where records expire; streams of old and new images where a pipe turns changes into events.
 */
export class PipelineTables extends Construct {
  /** Image records by object key. */
  readonly images: Table
  /** Small state items of the chores by `key`: the search reconciliation's cursors (the `Checkpoints` port). */
  readonly state: Table
  /** Notification ledger: one item per business key, so a notification goes out once. */
  readonly ledger: Table
  /** Orders by id, with the `byCustomer` and sparse `pending` indexes; streamed to the change pipe. */
  readonly orders: Table
  /** Users by id (and `username#<name>` items keeping usernames unique); streamed to the change pipe. */
  readonly users: Table
  /** Idempotency records of the HTTP API, expiring by TTL. */
  readonly idempotency: Table

  constructor(scope: Construct, id: string, props: PipelineTablesProps = {}) {
    super(scope, id)
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN
    const table = (tableId: string, partitionKey: string, options: { ttl?: string; streamed?: boolean } = {}) =>
      new Table(this, tableId, {
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(options.ttl ? { timeToLiveAttribute: options.ttl } : {}),
        ...(options.streamed ? { stream: StreamViewType.NEW_AND_OLD_IMAGES } : {}),
        removalPolicy,
      })
    this.images = table('Images', 'key')
    this.state = table('State', 'key')
    this.ledger = table('Ledger', 'key', { ttl: 'expiresAt' })
    this.orders = table('Orders', 'orderId', { streamed: true })
    this.orders.addGlobalSecondaryIndex({
      indexName: customerIndex,
      partitionKey: { name: 'customerId', type: AttributeType.STRING },
      sortKey: { name: 'orderId', type: AttributeType.STRING },
    })
    this.orders.addGlobalSecondaryIndex({
      indexName: pendingIndex,
      partitionKey: { name: 'pendingShard', type: AttributeType.STRING },
      sortKey: { name: 'createdAt', type: AttributeType.STRING },
    })
    this.users = table('Users', 'userId', { streamed: true })
    this.idempotency = table('Idempotency', 'key', { ttl: 'expiresAt' })
  }
}

/**
 * Item reads (and writes, with `write`) on a table, and queries on the named indexes only. The CDK's
 * `grantReadData` adds every action on `<table>/index/*` as soon as a table has an index; a step that queries one
 * index gets `dynamodb:Query` on that one.
 */
export const grantTableData = (
  table: ITable,
  grantee: IGrantable,
  access: { readonly write?: boolean; readonly indexes?: ReadonlyArray<string> } = {},
): void => {
  Grant.addToPrincipal({
    grantee,
    actions: access.write ? [...ReadDataActions, ...WriteDataActions] : ReadDataActions,
    resourceArns: [table.tableArn],
  })
  const indexes = access.indexes ?? []
  if (indexes.length > 0)
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: indexes.map((index) => `${table.tableArn}/index/${index}`),
    })
}
