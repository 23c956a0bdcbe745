import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { Order, StuckOrder } from '../../contracts/orders'

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly next?: string
}

/**
 * The orders table (partition key `orderId`, a customer index). Writes are conditional so that duplicate
 * placements and duplicate workflow runs change nothing: a decided order is never decided again.
 */
export class OrderTable extends Context.Tag('OrderTable')<
  OrderTable,
  {
    readonly get: (orderId: string) => Effect.Effect<Order | undefined, TransientError>
    /** Writes a new PENDING order unless one with this id exists; answers the order that stands. */
    readonly create: (
      order: Order,
    ) => Effect.Effect<{ readonly created: boolean; readonly order: Order }, TransientError>
    /**
     * Records the workflow's decision: writes the order if absent, or moves it from PENDING to the decided status.
     * An order already decided is left as it is. Answers whether this call changed it, and the order that stands.
     */
    readonly decide: (
      order: Order,
    ) => Effect.Effect<{ readonly changed: boolean; readonly order: Order }, TransientError>
    readonly listByCustomer: (
      customerId: string,
      page: { readonly limit: number; readonly cursor?: string },
    ) => Effect.Effect<Page<Order>, TransientError>
    /** Every order, a page at a time (reconciliation). */
    readonly scan: (page: {
      readonly limit: number
      readonly cursor?: string
    }) => Effect.Effect<Page<Order>, TransientError>
    /**
     * PENDING orders created before `before`, oldest first, not marked stuck: placements whose event may never have
     * been published.
     */
    readonly pendingBefore: (before: string, limit: number) => Effect.Effect<ReadonlyArray<Order>, TransientError>
    /**
     * Counts one more republish of a PENDING, not stuck order whose count is still `seen` (a conditional update, so
     * two runs never count one republish twice). Answers whether it counted: false when the order was decided, marked
     * stuck or counted by another run meanwhile.
     */
    readonly countRepublish: (orderId: string, seen: number) => Effect.Effect<boolean, TransientError>
    /**
     * Marks a PENDING order stuck, with the reason, so it is no longer listed by `pendingBefore`; a decision can still
     * be recorded for it. Answers whether it marked it (false once decided or already stuck).
     */
    readonly markStuck: (orderId: string, stuck: StuckOrder) => Effect.Effect<boolean, TransientError>
  }
>() {}
