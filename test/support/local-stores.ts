import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { LocalTables } from '../../infra/local/dynamodb/tables'
import { LocalBus } from '../../infra/local/eventbridge/bus'
import { openDatabase } from '../../infra/local/kernel/db'
import type { LocalModel } from '../../infra/local/model/template'
import { LocalObjectStore } from '../../infra/local/s3/object-store'

/** The buses, bucket and tables of {@link localModel}. */
export const localNames = {
  pipelineBus: 'Pipeline',
  bucket: 'uploads-bucket',
  orders: 'Orders',
  users: 'Users',
} as const

/**
 * A minimal model of the synthesized template: the default and pipeline buses, one bucket without EventBridge
 * notifications, and the two tables with streams, as the local runtime reads them from `cdk synth`.
 */
export const localModel: LocalModel = {
  buses: [
    { name: 'default', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
    { name: localNames.pipelineBus, arn: `arn:aws:events:us-east-1:000000000000:event-bus/${localNames.pipelineBus}` },
  ],
  archives: [],
  rules: [],
  stateMachines: [],
  functions: [],
  queues: [],
  buckets: [{ name: localNames.bucket, eventBridge: false }],
  tables: [localNames.orders, localNames.users].map((name) => ({
    name,
    arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`,
    streamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}/stream/2026-01-01T00:00:00.000`,
  })),
}

/** The local runtime's stores over one data directory, as infra/local/runtime.ts composes them. */
export interface LocalStores {
  readonly dataDir: string
  readonly db: DatabaseSync
  readonly tables: LocalTables
  readonly bus: LocalBus
  readonly store: LocalObjectStore
  /** Closes the database, as a crash or a shutdown would: every later call on these stores throws. */
  readonly close: () => void
}

/**
 * Opens a fresh data directory with the real database, tables, bus (its targets never called: the model has no
 * rules) and object store. `cleanUp` closes and deletes every directory opened since the last call: call it in an
 * `afterEach`.
 */
export const localStores = (() => {
  const opened: LocalStores[] = []
  const open = (): LocalStores => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'local-stores-'))
    const db = openDatabase(dataDir)
    const bus = new LocalBus(db, localModel, { startExecution: () => undefined, sendToQueue: () => undefined })
    const stores: LocalStores = {
      dataDir,
      db,
      tables: new LocalTables(db, localModel),
      bus,
      store: new LocalObjectStore(db, path.join(dataDir, 'objects'), localModel, bus),
      close: () => {
        if (db.isOpen) db.close()
      },
    }
    opened.push(stores)
    return stores
  }
  const cleanUp = () => {
    for (const stores of opened.splice(0)) {
      stores.close()
      rmSync(stores.dataDir, { recursive: true, force: true })
    }
  }
  return { open, cleanUp }
})()
