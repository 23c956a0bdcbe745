/**
 * ImageTableDynamoDB over the DynamoDB protocol: the ImageTable contract against dynalite, the conditional PutItem of
 * `putVersion` evaluated by a DynamoDB implementation rather than a mock told whether the condition held, then what
 * only this adapter does. dynalite ignores ReturnValuesOnConditionCheckFailure, so every `written: false` comes
 * through the adapter's fallback read; the request shapes are asserted in
 * test/unit/infra/aws/layers/image-table-dynamodb.test.ts.
 */
import type { Effect } from 'effect'
import { ImageTableDynamoDB } from '../../infra/aws/layers/image-table-dynamodb'
import { ImageTable } from '../../steps/services/image-table'
import { failedImage, imageTableContract, processedImage } from '../contracts/image-table'
import { dynamoDBSuite } from '../support/emulators'
import { defectOf, failureOf } from '../support/exits'
import { runWith } from '../support/run-with'

const dynamodb = dynamoDBSuite({ prefix: 'images', key: 'key' })
const freshTable = dynamodb.freshTable

imageTableContract('DynamoDB (dynalite)', async () => ImageTableDynamoDB(dynamodb.client, await freshTable()), {
  backendFailure: { failing: () => ImageTableDynamoDB(dynamodb.failingClient, 'images-table') },
})

describe('ImageTableDynamoDB on dynalite, beyond the contract', () => {
  const run = <A, E>(table: string, use: (images: typeof ImageTable.Service) => Effect.Effect<A, E>) =>
    runWith(ImageTableDynamoDB(dynamodb.client, table), ImageTable)(use)

  it('leaves the undefined optional fields of a record out of the item, rather than writing NULL', async () => {
    const table = await freshTable()
    const { format: _format, width: _width, height: _height, ...failure } = failedImage({ failedBy: undefined })
    await run(table, (images) => images.putVersion({ ...failure, format: undefined }))

    const item = await dynamodb.stored(table, { key: failure.key })

    expect(Object.keys(item ?? {}).sort()).toEqual([
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
