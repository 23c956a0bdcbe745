import type { DatabaseSync } from 'node:sqlite'
import { Layer } from 'effect'
import { ClockLive } from '../../../steps/services/clock'
import { PipelineConfig, type PipelineConfigShape } from '../../../steps/services/config'
import type { LocalBus } from '../eventbridge/bus'
import { EventPublisherLocal, ImageTableSqlite, LedgerSqlite, ObjectStoreLocal, SearchIndexFts } from './layers'
import type { LocalObjectStore } from '../s3/object-store'
import { IdempotencyLocal, OrderTableLocal, QueueDepthsLocal, UserTableLocal } from './order-layers'
import type { LocalQueues } from '../sqs/queues'
import type { LocalTables } from '../dynamodb/tables'

export interface LocalLiveDeps {
  readonly db: DatabaseSync
  readonly store: LocalObjectStore
  readonly bucket: string
  readonly bus: LocalBus
  readonly queues: LocalQueues
  readonly tables: LocalTables
  /** The table names the CDK app gives the functions (`ORDERS_TABLE`, `USERS_TABLE`). */
  readonly tableNames: { readonly orders: string; readonly users: string }
  readonly config: PipelineConfigShape
}

/** Every service a step may need, over the local runtime's stores: the local twin of `AwsLive`. */
export const LocalLive = (deps: LocalLiveDeps) =>
  Layer.mergeAll(
    ObjectStoreLocal(deps.store, deps.bucket),
    ImageTableSqlite(deps.db),
    SearchIndexFts(deps.db),
    LedgerSqlite(deps.db),
    EventPublisherLocal(deps.bus),
    OrderTableLocal(deps.tables, deps.tableNames.orders),
    UserTableLocal(deps.tables, deps.tableNames.users),
    IdempotencyLocal(deps.db),
    QueueDepthsLocal(deps.queues),
    Layer.succeed(PipelineConfig, deps.config),
    ClockLive,
  )
