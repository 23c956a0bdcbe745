import { Schema } from 'effect'
import { PlacedOrder } from '../../contracts/orders'

/** The two outcomes of the order workflow. */
export const DecisionStatus = Schema.Literal('ACCEPTED', 'REJECTED')
export type DecisionStatus = typeof DecisionStatus.Type

/**
 * What `validate-order` decides and `persist-order` records: the order as placed (its total filled in from the
 * items when it was absent), the decision, and one reason per broken rule (empty when accepted).
 */
export const OrderDecision = Schema.Struct({
  order: PlacedOrder,
  status: DecisionStatus,
  reasons: Schema.Array(Schema.String),
})
export type OrderDecision = typeof OrderDecision.Type
