import { Effect, Schema } from 'effect'
import type { OrderChangedDetail, UserChangedDetail } from '../../../../contracts/changes'
import { ChangesSource, OrderChangedType, UserChangedType } from '../../../../contracts/sources'
import { ChangeEvent } from '../../../../steps/changes/change-event'
import { decodeOrderChanges, decodeUserChanges, StreamBatch } from '../../../../steps/changes/decode/program'
import { awsEvent } from '../../../support/fixtures'

/** A mutable stream record, as the fixtures hold it (tests change clones of them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawRecord = Record<string, any>

/**
 * A Pipes enrichment batch from `test/events/dynamodb/`, parsed afresh on every call so a test may change it.
 * Each holds an INSERT, a MODIFY that changes the status, a MODIFY that does not, and a REMOVE.
 */
export const streamBatch = (name: 'order-changes' | 'user-changes'): RawRecord[] => awsEvent(`dynamodb/${name}.json`)

/** The event a stream pipe puts on the bus for one decoded change, decoded with the change workflow's contract. */
export const changeEvent = (detailType: string, detail: unknown, index = 0): ChangeEvent =>
  Schema.decodeUnknownSync(ChangeEvent)({
    version: '0',
    id: `0b0f6a8e-3c1d-4c7e-9f4e-00000000000${index}`,
    'detail-type': detailType,
    source: ChangesSource,
    account: '123456789012',
    time: '2026-06-01T09:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(JSON.stringify(detail)),
  })

/** The fixture batches through the enrichment, each change wrapped as the pipe publishes it: the change workflow's inputs. */
export const orderChangeEvents = (): ChangeEvent[] =>
  Effect.runSync(decodeOrderChanges.run(Schema.decodeUnknownSync(StreamBatch)(streamBatch('order-changes')))).map(
    (detail: OrderChangedDetail, index) => changeEvent(OrderChangedType, detail, index),
  )

export const userChangeEvents = (): ChangeEvent[] =>
  Effect.runSync(decodeUserChanges.run(Schema.decodeUnknownSync(StreamBatch)(streamBatch('user-changes')))).map(
    (detail: UserChangedDetail, index) => changeEvent(UserChangedType, detail, index),
  )

/** The images the fixtures carry, in their decoded form. */
export const images = {
  placed: {
    orderId: 'ord-1001',
    customerId: 'cust-42',
    items: [
      { sku: 'SKU-MUG', quantity: 2, unitPrice: 12.5 },
      { sku: 'SKU-TEE', quantity: 1, unitPrice: 20 },
    ],
    totalAmount: 45,
    currency: 'EUR',
    status: 'PENDING',
    origin: 'api',
    createdAt: '2026-06-01T09:00:00.000Z',
    updatedAt: '2026-06-01T09:00:00.000Z',
    version: 1,
  },
  accepted: {
    orderId: 'ord-1001',
    customerId: 'cust-42',
    items: [
      { sku: 'SKU-MUG', quantity: 2, unitPrice: 12.5 },
      { sku: 'SKU-TEE', quantity: 1, unitPrice: 20 },
    ],
    totalAmount: 45,
    currency: 'EUR',
    status: 'ACCEPTED',
    reasons: [],
    origin: 'api',
    createdAt: '2026-06-01T09:00:00.000Z',
    updatedAt: '2026-06-01T09:00:01.000Z',
    version: 2,
  },
  other: {
    orderId: 'ord-1002',
    customerId: 'cust-7',
    totalAmount: 99.9,
    currency: 'USD',
    status: 'PENDING',
    origin: 'import',
    createdAt: '2026-06-01T08:59:00.000Z',
    updatedAt: '2026-06-01T08:59:00.000Z',
    version: 1,
  },
  otherTouched: {
    orderId: 'ord-1002',
    customerId: 'cust-7',
    totalAmount: 99.9,
    currency: 'USD',
    status: 'PENDING',
    origin: 'import',
    createdAt: '2026-06-01T08:59:00.000Z',
    updatedAt: '2026-06-01T09:00:02.000Z',
    version: 2,
  },
  user: {
    userId: 'usr-1',
    username: 'ada.l',
    email: 'ada@example.com',
    status: 'active',
    createdAt: '2026-06-01T09:00:00.000Z',
    updatedAt: '2026-06-01T09:00:00.000Z',
    version: 1,
  },
  suspended: {
    userId: 'usr-1',
    username: 'ada.l',
    email: 'ada@example.com',
    status: 'suspended',
    createdAt: '2026-06-01T09:00:00.000Z',
    updatedAt: '2026-06-01T09:10:00.000Z',
    version: 2,
  },
  moved: {
    userId: 'usr-1',
    username: 'ada.l',
    email: 'ada@lovelace.example',
    status: 'suspended',
    createdAt: '2026-06-01T09:00:00.000Z',
    updatedAt: '2026-06-01T09:20:00.000Z',
    version: 3,
  },
} as const
