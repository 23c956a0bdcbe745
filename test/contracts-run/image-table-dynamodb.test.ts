/**
 * ImageTableDynamoDB over the DynamoDB protocol: the ImageTable contract against dynalite, the conditional PutItem of
 * `putVersion` evaluated by a DynamoDB implementation rather than a mock told whether the condition held, then what
 * only this adapter does. dynalite ignores ReturnValuesOnConditionCheckFailure, so every `written: false` comes
 * through the adapter's fallback read; the request shapes are asserted in
 * test/unit/infra/aws/layers/image-table-dynamodb.test.ts.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'
import type { Effect } from 'effect'
import { ImageTableDynamoDB } from '../../infra/aws/layers/image-table-dynamodb'
import { ImageTable } from '../../steps/services/image-table'
import { failedImage, imageTableContract, processedImage } from '../contracts/image-table'
import {
  clientSettings,
  dynamodbInternalError,
  startDynamoDB,
  unavailableEndpoint,
  type DynamoDBEmulator,
  type UnavailableEndpoint,
} from '../support/emulators'
import { defectOf, failureOf } from '../support/exits'
import { runWith } from '../support/run-with'

let dynamodb: DynamoDBEmulator
let unavailable: UnavailableEndpoint
let failingClient: DynamoDBClient
let made = 0

beforeAll(async () => {
  dynamodb = await startDynamoDB()
  unavailable = await unavailableEndpoint(dynamodbInternalError)
  failingClient = new DynamoDBClient(clientSettings(unavailable.endpoint))
})
afterAll(async () => {
  failingClient.destroy()
  await unavailable.stop()
  await dynamodb.stop()
})

const freshTable = async () => {
  const name = `images-${++made}`
  await dynamodb.createTable({ name, key: 'key' })
  return name
}

imageTableContract('DynamoDB (dynalite)', async () => ImageTableDynamoDB(dynamodb.client, await freshTable()), {
  backendFailure: { failing: () => ImageTableDynamoDB(failingClient, 'images-table') },
})

describe('ImageTableDynamoDB on dynalite, beyond the contract', () => {
  const run = <A, E>(table: string, use: (images: typeof ImageTable.Service) => Effect.Effect<A, E>) =>
    runWith(ImageTableDynamoDB(dynamodb.client, table), ImageTable)(use)

  it('leaves the undefined optional fields of a record out of the item, rather than writing NULL', async () => {
    const table = await freshTable()
    const { format: _format, width: _width, height: _height, ...failure } = failedImage({ failedBy: undefined })
    await run(table, (images) => images.putVersion({ ...failure, format: undefined }))

    const { Item } = await dynamodb.client.send(
      new GetItemCommand({ TableName: table, Key: marshall({ key: failure.key }), ConsistentRead: true }),
    )

    expect(Object.keys(Item ?? {}).sort()).toEqual([
      'bucket',
      'createdAt',
      'error',
      'etag',
      'key',
      'reason',
      'renditions',
      'size',
      'status',
      'updatedAt',
    ])
  })

  it.each<[string, (service: typeof ImageTable.Service) => Effect.Effect<unknown, unknown>]>([
    ['get', (images) => images.get('uploads/any.jpg')],
    ['putVersion', (images) => images.putVersion(processedImage())],
  ])(
    'dies on %s in a table that does not exist (ResourceNotFoundException): no retry, and not a conditional answer',
    async (_, call) => {
      const exit = await run('no-such-table', call)

      expect(failureOf(exit)).toBeUndefined()
      expect(defectOf(exit)).toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      })
    },
  )

  it('dies on a request DynamoDB refuses to validate (an empty key)', async () => {
    const exit = await run(await freshTable(), (images) => images.get(''))

    expect(defectOf(exit)).toMatchObject({ name: 'ValidationException' })
  })
})
