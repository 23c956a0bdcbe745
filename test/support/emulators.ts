import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import dynalite from 'dynalite'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import { transactWriteItems, type TransactWriteItemsRequest } from './dynamodb-transactions'

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

const listen = (server: Server): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve(endpointOf(server.address())))
  })

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const transactTarget = 'DynamoDB_20120810.TransactWriteItems'

/**
 * dynalite has no TransactWriteItems (it answers UnknownOperationException). This server stands in front of it,
 * passes every other request through unchanged, and serves TransactWriteItems itself over dynalite (see
 * dynamodb-transactions.ts), so the SDK parses a real `TransactionCanceledException` off the wire.
 */
const frontOf = (dynaliteEndpoint: string, inner: DynamoDBClient): Server =>
  createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then(async (body) => {
      if (req.headers['x-amz-target'] === transactTarget) {
        const answer = await transactWriteItems(inner, JSON.parse(body.toString('utf8')) as TransactWriteItemsRequest)
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer.body))
        return
      }
      const { hostname, port } = new URL(dynaliteEndpoint)
      const forward = request({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (back) => {
        res.writeHead(back.statusCode ?? 500, back.headers)
        back.pipe(res)
      })
      forward.on('error', (error) => res.destroy(error))
      forward.end(body)
    })
  })

/**
 * dynalite in memory on an ephemeral port, tables ACTIVE at once, behind a front that adds TransactWriteItems, and a
 * DynamoDB client for the front.
 */
export const startDynamoDB = async (): Promise<DynamoDBEmulator> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  const dynaliteEndpoint = await listen(server)
  const inner = new DynamoDBClient({ endpoint: dynaliteEndpoint, region, credentials: emulatorCredentials })
  const front = frontOf(dynaliteEndpoint, inner)
  const endpoint = await listen(front)
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
      inner.destroy()
      await closeServer(front)
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

/** An HTTP answer an {@link unavailableEndpoint} gives to every request. */
export interface CannedAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** DynamoDB's answer when it cannot serve a request (HTTP 500, InternalServerError: the SDK retries it). */
export const dynamodbInternalError: CannedAnswer = {
  status: 500,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'Internal server error',
  }),
}

/** S3's answer when a prefix gets too many requests (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, 503 SlowDown). */
export const s3SlowDown: CannedAnswer = {
  status: 503,
  headers: { 'content-type': 'application/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
}

/** EventBridge's answer when it fails internally (HTTP 500, InternalException). */
export const eventBridgeInternalError: CannedAnswer = {
  status: 500,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify({ __type: 'InternalException', message: 'Internal service error' }),
}

export interface UnavailableEndpoint {
  readonly endpoint: string
  readonly stop: () => Promise<void>
}

/**
 * An endpoint that answers every request with `answer`: a service that is up but failing, for the contracts' transient
 * failure cases. (A refused connection would do under plain Node, but under Jest the SDK loses the socket error's
 * `code` across realms and the adapters would die instead; see classify.ts for what they count as transient.)
 */
export const unavailableEndpoint = async (answer: CannedAnswer): Promise<UnavailableEndpoint> => {
  const server = createServer((req, res) => {
    // The body is drained first, or the client may see a reset instead of the answer.
    void readBody(req).then(() => res.writeHead(answer.status, answer.headers).end(answer.body))
  })
  const endpoint = await listen(server)
  return { endpoint, stop: () => closeServer(server) }
}

/** Settings for an SDK client of an emulator or canned endpoint: one attempt, so a failure shows at once. */
export const clientSettings = (endpoint: string) => ({
  endpoint,
  region,
  credentials: emulatorCredentials,
  maxAttempts: 1,
})

/** What a DynamoDB adapter's contract run needs: the emulator, a failing endpoint, fresh tables, and items as stored. */
export interface DynamoDBSuite {
  readonly client: DynamoDBClient
  /** A client of an endpoint that answers every call with DynamoDB's 500, for the contract's backend failures. */
  readonly failingClient: DynamoDBClient
  /** A new, empty table of the suite's shape, named `{prefix}-{n}`. */
  readonly freshTable: () => Promise<string>
  /** The item under `key` in `table` as DynamoDB holds it (a consistent read), or undefined. */
  readonly stored: (
    table: string,
    key: Readonly<Record<string, string>>,
  ) => Promise<Record<string, unknown> | undefined>
}

/**
 * One dynalite and one failing endpoint for the test file that calls this, started before its tests and stopped
 * after them; every table it makes has `table`'s key and indexes.
 */
export const dynamoDBSuite = (table: Omit<TableSpec, 'name'> & { readonly prefix: string }): DynamoDBSuite => {
  let dynamodb: DynamoDBEmulator | undefined
  let unavailable: UnavailableEndpoint | undefined
  let failing: DynamoDBClient | undefined
  let made = 0
  beforeAll(async () => {
    dynamodb = await startDynamoDB()
    unavailable = await unavailableEndpoint(dynamodbInternalError)
    failing = new DynamoDBClient(clientSettings(unavailable.endpoint))
  })
  afterAll(async () => {
    failing?.destroy()
    await unavailable?.stop()
    await dynamodb?.stop()
  })
  const started = () => {
    if (!dynamodb) throw new Error('dynamoDBSuite: used before its beforeAll ran')
    return dynamodb
  }
  const { prefix, ...shape } = table
  return {
    get client() {
      return started().client
    },
    get failingClient() {
      if (!failing) throw new Error('dynamoDBSuite: used before its beforeAll ran')
      return failing
    },
    freshTable: async () => {
      const name = `${prefix}-${++made}`
      await started().createTable({ ...shape, name })
      return name
    },
    stored: async (name, key) => {
      const { Item } = await started().client.send(
        new GetItemCommand({ TableName: name, Key: marshall(key), ConsistentRead: true }),
      )
      return Item === undefined ? undefined : unmarshall(Item)
    },
  }
}
