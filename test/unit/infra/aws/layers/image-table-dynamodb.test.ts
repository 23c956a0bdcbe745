import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { Exit } from 'effect'
import { TransientError } from '../../../../../contracts/errors'
import type { ImageRecord } from '../../../../../contracts/images'
import { ImageTableDynamoDB } from '../../../../../infra/aws/layers/image-table-dynamodb'
import { ImageTable } from '../../../../../steps/services/image-table'
import { runWith } from '../../../../support/run-with'
import { defectOf } from '../../../../support/exits'

const table = 'images-table'
const client = new DynamoDBClient({ region: 'eu-west-1' })
const dynamodb = mockClient(client)

const run = runWith(ImageTableDynamoDB(client, table), ImageTable)

const processed: ImageRecord = {
  key: 'uploads/cat.jpg',
  bucket: 'uploads-bucket',
  etag: 'etag-v1',
  status: 'PROCESSED',
  size: 2048,
  format: 'jpeg',
  width: 640,
  height: 480,
  renditions: [
    { name: 'thumbnail', key: 'thumbnails/cat-thumbnail.jpeg', format: 'jpeg', width: 200, height: 150, bytes: 512 },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}
const failed: ImageRecord = {
  ...processed,
  status: 'FAILED',
  renditions: [],
  error: 'TransientError',
  reason: 'gave up',
}

const conditionFailed = (item?: ImageRecord) =>
  new ConditionalCheckFailedException({
    $metadata: {},
    message: 'The conditional request failed',
    ...(item === undefined ? {} : { Item: marshall(item, { removeUndefinedValues: true }) }),
  })

beforeEach(() => dynamodb.reset())

describe('ImageTableDynamoDB.putVersion', () => {
  it('sends one conditional PutItem and reports written', async () => {
    dynamodb.on(PutItemCommand).resolves({})

    const exit = await run((images) => images.putVersion(processed))

    expect(exit).toEqual(Exit.succeed({ written: true }))
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Item: marshall(processed),
        ConditionExpression:
          'attribute_not_exists(#key) OR (#etag <> :etag) OR (#status = :failed AND :status = :processed)',
        ExpressionAttributeNames: { '#key': 'key', '#etag': 'etag', '#status': 'status' },
        ExpressionAttributeValues: {
          ':etag': { S: 'etag-v1' },
          ':status': { S: 'PROCESSED' },
          ':failed': { S: 'FAILED' },
          ':processed': { S: 'PROCESSED' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ])
  })

  it('leaves undefined optional fields out of the item', async () => {
    dynamodb.on(PutItemCommand).resolves({})

    await run((images) => images.putVersion({ ...failed, format: undefined }))

    const item = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item
    expect(item).not.toHaveProperty('format')
    expect(item).not.toHaveProperty('versionId')
  })

  it('answers written:false with the record DynamoDB returned on ConditionalCheckFailed', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed(processed))

    const exit = await run((images) => images.putVersion(failed))

    expect(exit).toEqual(Exit.succeed({ written: false, existing: processed }))
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0)
  })

  it('reads the standing record when the failure carries no item', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed())
    dynamodb.on(GetItemCommand).resolves({ Item: marshall(processed) })

    const exit = await run((images) => images.putVersion(processed))

    expect(exit).toEqual(Exit.succeed({ written: false, existing: processed }))
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { key: { S: processed.key } }, ConsistentRead: true },
    ])
  })

  it('fails with TransientError when the record vanished between the write and the read', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed())
    dynamodb.on(GetItemCommand).resolves({})

    const exit = await run((images) => images.putVersion(processed))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'ImageTable.putVersion',
          message: `${processed.key} vanished after a conditional check failed`,
        }),
      ),
    )
  })

  it.each([
    [
      'ThrottlingException',
      new ThrottlingException({ $metadata: {}, message: 'Throughput exceeds the current capacity' }),
    ],
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({
        $metadata: {},
        message: 'The level of configured provisioned throughput for the table was exceeded',
      }),
    ],
  ])('fails with TransientError on %s', async (name, error) => {
    dynamodb.on(PutItemCommand).rejects(error)

    const exit = await run((images) => images.putVersion(processed))

    expect(exit).toEqual(
      Exit.fail(new TransientError({ operation: 'ImageTable.putVersion', message: `${name}: ${error.message}` })),
    )
  })

  it('dies on a ValidationException', async () => {
    const invalid = Object.assign(new Error('One or more parameter values were invalid'), {
      name: 'ValidationException',
      $fault: 'client',
    })
    dynamodb.on(PutItemCommand).rejects(invalid)

    const exit = await run((images) => images.putVersion(processed))

    expect(defectOf(exit)).toBe(invalid)
  })
})

describe('ImageTableDynamoDB.get', () => {
  it('sends a consistent GetItem by key and decodes the record', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: marshall(processed) })

    const exit = await run((images) => images.get(processed.key))

    expect(exit).toEqual(Exit.succeed(processed))
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: table, Key: { key: { S: processed.key } }, ConsistentRead: true },
    ])
  })

  it('dies when the stored item no longer decodes as an ImageRecord', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: marshall({ key: processed.key, status: 'UNKNOWN' }) })

    const exit = await run((images) => images.get(processed.key))

    expect(defectOf(exit)).toBeDefined()
  })

  it('fails with TransientError when throttled', async () => {
    dynamodb
      .on(GetItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ $metadata: {}, message: 'exceeded' }))

    const exit = await run((images) => images.get(processed.key))

    expect(exit).toEqual(
      Exit.fail(
        new TransientError({
          operation: 'ImageTable.get',
          message: 'ProvisionedThroughputExceededException: exceeded',
        }),
      ),
    )
  })
})
