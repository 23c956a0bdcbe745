/**
 * The name of each step: the CDK app stamps it on the function (`PIPELINE_STEP`), and the local runtime
 * resolves a function in the synthesized template back to its program by it.
 */
export const StepNames = {
  validate: 'validate-image',
  resize: 'resize-image',
  persist: 'persist-image',
  index: 'index-image',
  notify: 'notify-image',
  recordFailure: 'record-image-failure',
  api: 'http-api',
  validateOrder: 'validate-order',
  persistOrder: 'persist-order',
  indexOrder: 'index-order',
  notifyOrder: 'notify-order',
  receiveOrders: 'receive-orders',
  decodeOrderChanges: 'decode-order-changes',
  decodeUserChanges: 'decode-user-changes',
  applyChange: 'apply-change',
  notifyChange: 'notify-change',
  importOrders: 'import-orders',
  expireIdempotency: 'expire-idempotency',
  reconcileSearch: 'reconcile-search',
  publishDlqDepths: 'publish-dlq-depths',
  republishStaleOrders: 'republish-stale-orders',
} as const
