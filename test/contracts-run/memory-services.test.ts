/**
 * The in-memory ports of test/support (memory-services.ts, memory-store.ts), which the step unit tests run on: each
 * passes its port's contract, so a step tested over them meets the behaviour of the SQLite and DynamoDB layers. Their
 * backend failure is the `fail` each builder takes: every call then fails, as a store that is down would.
 */
import { TransientError } from '../../contracts/errors'
import { eventPublisherContract } from '../contracts/event-publisher'
import { idempotencyContract } from '../contracts/idempotency'
import { imageTableContract } from '../contracts/image-table'
import { ledgerContract } from '../contracts/ledger'
import { objectStoreContract } from '../contracts/object-store'
import { orderTableContract } from '../contracts/order-table'
import { userTableContract } from '../contracts/user-table'
import {
  memoryIdempotency,
  memoryImageTable,
  memoryLedger,
  memoryOrderTable,
  memoryPublisher,
  memoryUserTable,
} from '../support/memory-services'
import { memoryStore } from '../support/memory-store'

const down = new TransientError({ operation: 'memory', message: 'the store is down' })
const everyOperationDown = { head: down, get: down, put: down }

orderTableContract('in memory', () => memoryOrderTable().layer, {
  backendFailure: { failing: () => memoryOrderTable({ fail: down }).layer },
})

userTableContract('in memory', () => memoryUserTable().layer, {
  backendFailure: { failing: () => memoryUserTable({ fail: down }).layer },
})

ledgerContract('in memory', () => memoryLedger().layer, {
  backendFailure: { failing: () => memoryLedger({ fail: down }).layer },
})

idempotencyContract('in memory', () => memoryIdempotency().layer, {
  backendFailure: { failing: () => memoryIdempotency({ fail: down }).layer },
})

imageTableContract('in memory', () => memoryImageTable().layer, {
  backendFailure: { failing: () => memoryImageTable({ fail: down }).layer },
})

objectStoreContract('in memory', () => memoryStore({}).layer, {
  bucket: 'test-bucket',
  backendFailure: { failing: () => memoryStore({}, { fail: everyOperationDown }).layer },
})

let publisher = memoryPublisher()
eventPublisherContract(
  'in memory',
  () => {
    publisher = memoryPublisher({ busName: 'pipeline' })
    return publisher.layer
  },
  {
    busName: 'pipeline',
    missingBus: 'no-such-bus',
    published: () =>
      publisher.published.map((entry) => ({
        bus: entry.EventBusName ?? publisher.busName,
        source: entry.Source,
        detailType: entry.DetailType,
        detail: JSON.parse(entry.Detail) as unknown,
        resources: entry.Resources ?? [],
        ...(entry.Time === undefined ? {} : { time: entry.Time }),
      })),
    backendFailure: { failing: () => memoryPublisher({ fail: down }).layer },
  },
)
