/**
 * What an execution is about, read from its input (the event that started it): the object key, the order id or the
 * user id. People find executions by it; the local runtime stores it beside each execution, the AWS console reads it
 * from DescribeExecution.
 */
export const executionSubject = (input: unknown): string | undefined => {
  const detail = (input as { detail?: Record<string, unknown> } | null | undefined)?.detail
  if (typeof detail !== 'object' || detail === null) return undefined
  const candidates = [
    (detail.object as { key?: unknown } | undefined)?.key,
    detail.orderId,
    (detail.order as { orderId?: unknown } | undefined)?.orderId,
    ...['newImage', 'oldImage'].flatMap((image) => {
      const item = detail[image] as { orderId?: unknown; userId?: unknown } | undefined
      return [item?.orderId, item?.userId]
    }),
  ]
  const subject = candidates.find((candidate) => typeof candidate === 'string')
  return typeof subject === 'string' ? subject : undefined
}
