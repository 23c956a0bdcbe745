import { Either, Schema } from 'effect'
import { OrderMessage } from '../../../../contracts/orders'
import { describeParseError, formatPath } from '../../../../steps/orders/issues'

/** The description of why `value` is not an `OrderMessage`. */
const reasonFor = (value: unknown) => {
  const decoded = Schema.decodeUnknownEither(OrderMessage, { errors: 'all' })(value)
  if (Either.isRight(decoded)) throw new Error('expected the value not to decode')
  return describeParseError(decoded.left)
}

const sound = {
  orderId: 'q-1',
  customerId: 'cust-1',
  currency: 'EUR',
  items: [{ sku: 'A', quantity: 1, unitPrice: 2 }],
}

describe('formatPath', () => {
  it.each([
    ['a field', ['customerId'], 'customerId'],
    ['a field of an element', ['items', 0, 'quantity'], 'items[0].quantity'],
    ['the root', [], ''],
  ])('writes %s as a reader would', (_name, path, text) => {
    expect(formatPath(path)).toBe(text)
  })
})

describe('describeParseError', () => {
  it.each([
    [
      'names each failing field once, without the noise of optional fields',
      { ...sound, customerId: ' ', items: [{ sku: 'A', quantity: 0, unitPrice: '3' }] },
      'customerId: must not be empty; items[0].quantity: must be a positive integer; items[0].unitPrice: Expected number, actual "3"',
    ],
    [
      'says a missing field is missing',
      { orderId: 'q-1', customerId: 'cust-1', totalAmount: 5 },
      'currency: is missing',
    ],
    ['says an empty item list must not be empty', { ...sound, items: [] }, 'items: must not be empty'],
    [
      'says an order without lines needs them',
      { orderId: 'q-1', customerId: 'cust-1', currency: 'EUR' },
      'items: items or totalAmount is required',
    ],
    ['keeps a value of the wrong kind short', 5, 'must be an object, got 5'],
    [
      'refuses control characters in ids and SKUs',
      { ...sound, customerId: 'cust\u0000-1', items: [{ sku: 'A\u001b[31m', quantity: 1, unitPrice: 2 }] },
      'customerId: must not contain control characters; items[0].sku: must not contain control characters',
    ],
  ])('%s', (_name, value, description) => {
    expect(reasonFor(value)).toBe(description)
  })
})
