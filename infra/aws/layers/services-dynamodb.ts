import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { Clock } from '../../../steps/services/clock'
import { IdempotencyStore } from '../../../steps/services/idempotency'
import { ImageTable } from '../../../steps/services/image-table'
import { Ledger } from '../../../steps/services/ledger'
import { OrderTable } from '../../../steps/services/order-table'
import { Checkpoints } from '../../../steps/services/checkpoints'
import { UserTable } from '../../../steps/services/user-table'
import { lazily, setting, type AwsClient, type AwsService } from './aws-layer'
import { IdempotencyDynamoDB } from './idempotency-dynamodb'
import { ImageTableDynamoDB } from './image-table-dynamodb'
import { LedgerDynamoDB } from './ledger-dynamodb'
import { OrderTableDynamoDB } from './order-table-dynamodb'
import { CheckpointsDynamoDB } from './checkpoints-dynamodb'
import { UserTableDynamoDB } from './user-table-dynamodb'

// One client for every table service of a handler (AwsLayer makes one per distinct AwsClient).
const dynamodb: AwsClient<DynamoDBClient> = { make: () => new DynamoDBClient({}) }

export const AwsImageTable: AwsService<ImageTable, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) =>
    lazily(ImageTable, 'ImageTable', setting(env, 'ImageTable'), '', (name) => ImageTableDynamoDB(dynamodb, name)),
}
export const AwsCheckpoints: AwsService<Checkpoints, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) =>
    lazily(Checkpoints, 'Checkpoints', setting(env, 'Checkpoints'), '', (name) => CheckpointsDynamoDB(dynamodb, name)),
}
export const AwsLedger: AwsService<Ledger, DynamoDBClient, Clock> = {
  client: dynamodb,
  layer: (dynamodb, env) =>
    lazily(Ledger, 'Ledger', setting(env, 'Ledger'), '', (name) => LedgerDynamoDB(dynamodb, name)),
}
export const AwsOrderTable: AwsService<OrderTable, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) =>
    lazily(OrderTable, 'OrderTable', setting(env, 'OrderTable'), '', (name) => OrderTableDynamoDB(dynamodb, name)),
}
export const AwsUserTable: AwsService<UserTable, DynamoDBClient> = {
  client: dynamodb,
  layer: (dynamodb, env) =>
    lazily(UserTable, 'UserTable', setting(env, 'UserTable'), '', (name) => UserTableDynamoDB(dynamodb, name)),
}
export const AwsIdempotencyStore: AwsService<IdempotencyStore, DynamoDBClient, Clock> = {
  client: dynamodb,
  layer: (dynamodb, env) =>
    lazily(IdempotencyStore, 'IdempotencyStore', setting(env, 'IdempotencyStore'), '', (name) =>
      IdempotencyDynamoDB(dynamodb, name),
    ),
}
