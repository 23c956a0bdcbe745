import { defineCommand, defineGroup, parseLimit, parseTimeout } from '../args'
import type { Order, OrderItem, PlaceOrder } from '../client'
import { fields, formatTime, json, paletteFor, table, terminalWidth, type Palette } from '../format'
import { collectPages } from '../paging'
import { waitForOrder } from '../wait'
import { UsageError } from '../errors'

const DefaultTimeoutSeconds = 60
const DefaultLimit = 100
/** A quantity and a price, as `--item` takes them: digits, and a price with an optional fraction. */
const WholeNumber = /^\d+$/
const Amount = /^(\d+(\.\d*)?|\.\d+)$/

const place = defineCommand(
  {
    name: 'orders place',
    summary: 'place an order and, with --wait, report whether it was accepted',
    positionals: { label: '', min: 0, max: 0 },
    synopsis: '--customer ID --currency CUR [options]',
    options: {
      customer: { type: 'string', placeholder: 'ID', description: 'the customer placing the order (required)' },
      item: {
        type: 'string',
        placeholder: 'SKU:QTY:PRICE',
        multiple: true,
        description: 'an item: QTY units of SKU at PRICE each (repeat for several)',
      },
      total: { type: 'string', placeholder: 'AMOUNT', description: 'the order total, for an order without items' },
      currency: {
        type: 'string',
        placeholder: 'CUR',
        description: 'a three-letter ISO 4217 code such as USD or EUR (required)',
      },
      'idempotency-key': {
        type: 'string',
        placeholder: 'K',
        description: 'send Idempotency-Key K: retrying with the same K and order places it once',
      },
      wait: { type: 'boolean', description: 'wait until the order is ACCEPTED or REJECTED and print it' },
      timeout: {
        type: 'string',
        placeholder: 'S',
        description: `with --wait, give up after S seconds (default ${DefaultTimeoutSeconds})`,
      },
      json: { type: 'boolean', description: "print the server's answer (with --wait, the order) as JSON" },
    },
    description: `Places an order with POST /orders: give its items (--item, repeated) or its total alone (--total), not both.
Prints the order's id and status (PENDING: the order workflow decides it next). With --wait, polls the order
until it is ACCEPTED or REJECTED and prints it, with the reasons of a rejection: exits 1 when it is REJECTED
or still PENDING at the timeout. A 400 from the server names each invalid field on stderr and exits 1.

Examples:
  pipeline orders place --customer c-42 --item BOOK-1:2:12.50 --item PEN-9:1:3 --currency EUR --wait
  pipeline orders place --customer c-42 --total 99.90 --currency USD --idempotency-key retry-7 --json`,
  },
  async ({ options }, { io, client }) => {
    const order = placement(options)
    const timeoutSeconds = parseTimeout(options.timeout, options.wait, DefaultTimeoutSeconds)
    const key = options['idempotency-key']
    if (key !== undefined && (key.length < 1 || key.length > 255))
      throw new UsageError(`--idempotency-key must be 1 to 255 characters (got ${key.length})`)
    const api = client()
    const palette = paletteFor(io.stdout, io.env)
    const placed = await api.placeOrder(order, key)
    if (!options.wait) {
      io.stdout.write(options.json ? json(placed) : `${placed.orderId}  ${palette.status(placed.status)}\n`)
      return 0
    }
    io.stderr.write(`placed ${placed.orderId}; waiting for the order workflow to accept or reject it\n`)
    const outcome = await waitForOrder(api, placed.orderId, { deadline: Date.now() + timeoutSeconds * 1000 })
    if (!outcome.settled) {
      if (options.json) io.stdout.write(json(outcome.order ?? placed))
      else
        io.stdout.write(
          `${placed.orderId}  ${palette.status('PENDING')}  no decision after ${timeoutSeconds}s; see 'pipeline orders get ${placed.orderId}'\n`,
        )
      return 1
    }
    io.stdout.write(options.json ? json(outcome.order) : decisionLines(outcome.order, palette))
    return outcome.order.status === 'REJECTED' ? 1 : 0
  },
)

const get = defineCommand(
  {
    name: 'orders get',
    summary: 'show one order',
    positionals: { label: 'ID', min: 1, max: 1 },
    options: {
      json: { type: 'boolean', description: "print the order's JSON as the server answered it" },
    },
    description: `Shows the order ID: its customer, status (PENDING, ACCEPTED, REJECTED) and the reasons of a rejection,
total, items, where it came from (api, queue, import) and when it was created and last updated (local time).
Exits 1 when there is no such order.

Examples:
  pipeline orders get ord_4f1c2b9a0d3e5f6a7b8c9d0e
  pipeline orders get ord_4f1c2b9a0d3e5f6a7b8c9d0e --json`,
  },
  async ({ positionals, options }, { io, client }) => {
    const order = await client().getOrder(positionals[0] ?? '')
    if (options.json) {
      io.stdout.write(json(order))
      return 0
    }
    io.stdout.write(
      fields([
        ['Order', order.orderId],
        ['Customer', order.customerId],
        ['Status', paletteFor(io.stdout, io.env).status(order.status)],
        ['Reasons', (order.reasons ?? []).join('; ')],
        ['Total', amount(order.totalAmount, order.currency)],
        ['Items', (order.items ?? []).map((item) => itemText(item, order.currency)).join(', ')],
        ['Origin', order.origin],
        ['Created', formatTime(order.createdAt)],
        ['Updated', formatTime(order.updatedAt)],
      ]),
    )
    return 0
  },
)

const list = defineCommand(
  {
    name: 'orders list',
    summary: "list a customer's orders",
    positionals: { label: '', min: 0, max: 0 },
    synopsis: '--customer ID [options]',
    options: {
      customer: { type: 'string', placeholder: 'ID', description: 'the customer whose orders to list (required)' },
      limit: { type: 'string', placeholder: 'N', description: `list at most N orders (default ${DefaultLimit})` },
      json: { type: 'boolean', description: 'print the orders as a JSON array' },
    },
    description: `Lists the orders of one customer: id, status, total, origin (api, queue, import) and creation time (local),
following the server's pages until --limit orders are in.

Examples:
  pipeline orders list --customer c-42
  pipeline orders list --customer c-42 --limit 500 --json`,
  },
  async ({ options }, { io, client }) => {
    const customerId = options.customer?.trim()
    if (customerId === undefined || customerId === '') throw new UsageError('--customer ID is required')
    const limit = parseLimit(options.limit, DefaultLimit)
    const api = client()
    const { items, more } = await collectPages(
      (pageLimit, cursor) => api.listOrders({ customerId, limit: pageLimit, cursor }),
      limit,
      'GET /orders',
    )
    if (more)
      io.stderr.write(
        `pipeline orders list: showing the first ${limit === 1 ? 'order' : `${limit} orders`}; there are more (raise --limit to see them)\n`,
      )
    if (options.json) {
      io.stdout.write(json(items))
      return 0
    }
    if (items.length === 0) {
      io.stdout.write(`No orders for customer ${customerId}.\n`)
      return 0
    }
    const palette = paletteFor(io.stdout, io.env)
    io.stdout.write(
      table(
        [
          { header: 'ORDER' },
          { header: 'STATUS', style: palette.status },
          { header: 'TOTAL' },
          { header: 'ORIGIN' },
          { header: 'CREATED' },
        ],
        items.map((order) => [
          order.orderId,
          order.status,
          amount(order.totalAmount, order.currency),
          order.origin ?? '-',
          formatTime(order.createdAt),
        ]),
        { maxWidth: terminalWidth(io.stdout) },
      ),
    )
    return 0
  },
)

export const orders = defineGroup({
  name: 'orders',
  summary: 'place, show and list orders',
  description: `Works with the orders API.
  pipeline orders place --customer ID (--item SKU:QTY:PRICE... | --total AMOUNT) --currency CUR
                        [--idempotency-key K] [--wait [--timeout S]] [--json]
      Places an order and, with --wait, reports whether it was accepted; 'pipeline orders place --help' for more.
  pipeline orders get ID [--json]
      Shows one order.
  pipeline orders list --customer ID [--limit N] [--json]
      Lists a customer's orders.`,
  subcommands: [place, get, list],
})

/** The body of POST /orders from the flags, every one checked before anything is sent. */
const placement = (options: {
  readonly customer: string | undefined
  readonly item: ReadonlyArray<string>
  readonly total: string | undefined
  readonly currency: string | undefined
}): PlaceOrder => {
  const customerId = options.customer?.trim()
  if (customerId === undefined || customerId === '') throw new UsageError('--customer ID is required')
  if (options.currency === undefined) throw new UsageError('--currency CUR is required')
  const currency = options.currency.trim().toUpperCase()
  if (!/^[A-Z]{3}$/.test(currency))
    throw new UsageError(`--currency must be a three-letter ISO 4217 code such as USD (got ${options.currency})`)
  if (options.item.length > 0 && options.total !== undefined)
    throw new UsageError('give --item or --total, not both: the total of items follows from them')
  if (options.item.length === 0 && options.total === undefined)
    throw new UsageError('give the items (--item SKU:QTY:PRICE, repeated) or the total (--total AMOUNT)')
  if (options.total !== undefined) return { customerId, totalAmount: parseAmount(options.total, '--total'), currency }
  return { customerId, items: options.item.map(parseItem), currency }
}

/** `SKU:QTY:PRICE`; the SKU may hold `:` itself, so QTY and PRICE are the last two parts. */
export const parseItem = (raw: string): OrderItem => {
  const parts = raw.split(':')
  const problem = (what: string) => new UsageError(`--item ${raw}: ${what}`)
  if (parts.length < 3) throw problem('write it as SKU:QTY:PRICE, e.g. BOOK-1:2:12.50')
  const price = parts.pop() ?? ''
  const quantity = parts.pop() ?? ''
  const sku = parts.join(':').trim()
  if (sku === '') throw problem('the SKU is empty')
  const count = Number(quantity.trim())
  if (!WholeNumber.test(quantity.trim()) || !Number.isSafeInteger(count) || count < 1)
    throw problem(`the quantity must be a positive whole number (got ${JSON.stringify(quantity)})`)
  return { sku, quantity: count, unitPrice: parseAmount(price, `--item ${raw}: the price`) }
}

const parseAmount = (raw: string, what: string): number => {
  const value = Number(raw.trim())
  if (!Amount.test(raw.trim()) || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`${what} must be a positive amount such as 12.50 (got ${JSON.stringify(raw)})`)
  return value
}

const amount = (value: number | undefined, currency: string | undefined): string =>
  value === undefined ? '-' : `${value} ${currency ?? ''}`.trim()

const itemText = (item: OrderItem, currency: string): string =>
  `${item.quantity} × ${item.sku} at ${amount(item.unitPrice, currency)}`

/** `ord_…  ACCEPTED  c-42  37.5 EUR`, then one indented line per reason of a rejection. */
const decisionLines = (order: Order, palette: Palette): string =>
  `${order.orderId}  ${palette.status(order.status)}  ${order.customerId}  ${amount(order.totalAmount, order.currency)}\n` +
  (order.reasons ?? []).map((reason) => `  ${reason.replace(/\s+/g, ' ').trim()}\n`).join('')
