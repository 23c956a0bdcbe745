import { Layer } from 'effect'
import { Checkpoints } from '../../../steps/services/checkpoints'
import type { LocalTables } from '../dynamodb/tables'
import { attempt } from './attempt'

/** Checkpoints as items `{key, value}` of the local twin of the state table (`STATE_TABLE`). */
export const CheckpointsSqlite = (tables: LocalTables, table: string) =>
  Layer.succeed(Checkpoints, {
    read: (name) => attempt('dynamodb:GetItem', () => tables.get<{ key: string; value: string }>(table, name)?.value),
    write: (name, value) =>
      attempt('dynamodb:PutItem', () => void tables.put(table, name, 'key', { key: name, value })),
  })
