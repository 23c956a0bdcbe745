import type { DatabaseSync } from 'node:sqlite'
import { Layer } from 'effect'
import { ClockLive } from '../../../steps/services/clock'
import { PipelineConfig, type PipelineConfigShape } from '../../../steps/services/config'
import type { LocalBus } from '../eventbridge/bus'
import type { LocalObjectStore } from '../s3/object-store'
import { CheckpointsSqlite } from './checkpoints-sqlite'
import { EventPublisherBus } from './event-publisher-bus'
import { IdempotencySqlite } from './idempotency-sqlite'
import { ImageTableSqlite } from './image-table-sqlite'
import { LedgerSqlite } from './ledger-sqlite'
import { ObjectStoreFs } from './object-store-fs'
import { ObjectUrlsLocal } from './object-urls-local'
import { OrderTableSqlite } from './order-table-sqlite'
import { QueueDepthsSqlite } from './queue-depths-sqlite'
import { SearchIndexSqlite } from './search-index-sqlite'
import { UserTableSqlite } from './user-table-sqlite'
import type { LocalQueues } from '../sqs/queues'
import type { LocalTables } from '../dynamodb/tables'

export interface LocalLiveDeps {
  readonly db: DatabaseSync
  readonly store: LocalObjectStore
  readonly bucket: string
  readonly bus: LocalBus
  readonly queues: LocalQueues
  readonly tables: LocalTables
  /** The table names the CDK app gives the functions (`ORDERS_TABLE`, `USERS_TABLE`, `STATE_TABLE`). */
  readonly tableNames: { readonly orders: string; readonly users: string; readonly state: string }
  /** The local server's base URL, once it listens: links to objects point there. */
  readonly publicUrl: () => string
  readonly config: PipelineConfigShape
}

/** Every service a step may need, over the local runtime's stores: the local twin of `AwsLive`. */
export const LocalLive = (deps: LocalLiveDeps) =>
  Layer.mergeAll(
    ObjectStoreFs(deps.store, deps.bucket),
    ObjectUrlsLocal(deps.publicUrl),
    ImageTableSqlite(deps.db),
    SearchIndexSqlite(deps.db),
    LedgerSqlite(deps.db),
    EventPublisherBus(deps.bus),
    OrderTableSqlite(deps.tables, deps.tableNames.orders),
    UserTableSqlite(deps.tables, deps.tableNames.users),
    IdempotencySqlite(deps.db),
    QueueDepthsSqlite(deps.queues),
    CheckpointsSqlite(deps.tables, deps.tableNames.state),
  ).pipe(Layer.provideMerge(Layer.merge(Layer.succeed(PipelineConfig, deps.config), ClockLive)))
