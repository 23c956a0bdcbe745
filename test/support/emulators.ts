import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import dynalite from 'dynalite'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'

/**
 * Protocol emulators for the AWS adapters' integration tests: dynalite (DynamoDB, in memory) and s3rver (S3, on a
 * temporary directory), each on an ephemeral 127.0.0.1 port, with real SDK v3 clients pointed at them.
 *
 * The credentials are dummies, but s3rver only accepts the access key it knows (`S3RVER`), and checks no SigV4
 * signature; dynalite checks nothing. One pair suits both.
 */
export const emulatorCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const
const region = 'us-east-1'
const host = '127.0.0.1'

const endpointOf = (address: string | AddressInfo | null): string => {
  if (address === null || typeof address === 'string')
    throw new Error(`emulator is not listening on TCP: ${String(address)}`)
  return `http://${host}:${address.port}`
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    // dynalite's close answers `null` for no error, Node's answers `undefined`.
    server.close((error?: Error | null) => (error === undefined || error === null ? resolve() : reject(error)))
    // The SDK keeps its sockets alive: drop them, or close waits for their keep-alive timeout.
    server.closeAllConnections()
  })

/** A table with one string partition key, and optionally string-keyed GSIs projecting ALL. */
export interface TableSpec {
  readonly name: string
  readonly key: string
  readonly indexes?: ReadonlyArray<{ readonly name: string; readonly partitionKey: string; readonly sortKey?: string }>
}

export interface DynamoDBEmulator {
  readonly endpoint: string
  readonly client: DynamoDBClient
  /** Creates the table and waits until it is ACTIVE. */
  readonly createTable: (spec: TableSpec) => Promise<void>
  readonly stop: () => Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** dynalite in memory on an ephemeral port, tables ACTIVE at once, and a DynamoDB client for it. */
export const startDynamoDB = async (): Promise<DynamoDBEmulator> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const endpoint = endpointOf(server.address())
  const client = new DynamoDBClient({ endpoint, region, credentials: emulatorCredentials })

  const createTable = async ({ name, key, indexes = [] }: TableSpec): Promise<void> => {
    const attributes = new Set([
      key,
      ...indexes.flatMap((index) =>
        index.sortKey === undefined ? [index.partitionKey] : [index.partitionKey, index.sortKey],
      ),
    ])
    const globalIndexes = indexes.map((index): GlobalSecondaryIndex => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        ...(index.sortKey === undefined ? [] : [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }]),
      ],
      Projection: { ProjectionType: 'ALL' },
    }))
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        ...(globalIndexes.length === 0 ? {} : { GlobalSecondaryIndexes: globalIndexes }),
      }),
    )
    // The SDK's waitUntilTableExists polls every 20 s at least; dynalite is ACTIVE within a tick.
    for (let attempt = 0; attempt < 100; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }))
      if (Table?.TableStatus === 'ACTIVE') return
      await sleep(10)
    }
    throw new Error(`dynalite: table ${name} never became ACTIVE`)
  }

  return {
    endpoint,
    client,
    createTable,
    stop: async () => {
      client.destroy()
      await closeServer(server)
    },
  }
}

export interface S3Emulator {
  readonly endpoint: string
  readonly client: S3Client
  readonly stop: () => Promise<void>
}

/** s3rver on a fresh temporary directory and an ephemeral port, with `buckets` created, and a path-style S3 client for it. */
export const startS3 = async (buckets: ReadonlyArray<string>): Promise<S3Emulator> => {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({
    port: 0,
    address: host,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  })
  const endpoint = endpointOf(await server.run())
  // Path style: `<bucket>.127.0.0.1` does not resolve.
  const client = new S3Client({ endpoint, region, credentials: emulatorCredentials, forcePathStyle: true })
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy()
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
