import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { Effect } from 'effect'
import type { TransientError } from '../../../contracts/errors'
import { callAws } from './classify'

export type Item = Record<string, AttributeValue>

/** What a Query or Scan page answers: the items it matched and, unless it was the last, where the next starts. */
export interface PageOutput {
  readonly Items?: ReadonlyArray<Item> | undefined
  readonly LastEvaluatedKey?: Item | undefined
}

/**
 * Reads Query or Scan pages from `start` until `enough(itemsSoFar)` or the last page, and answers the items and the
 * `LastEvaluatedKey` to go on from (absent after the last page). Each page is its own SDK call, so each is
 * classified (and retried by the SDK) on its own, and interrupting the fiber aborts the page in flight.
 *
 * `send` gets a fresh `ExclusiveStartKey` per call: the SDK's `paginateScan` mutates one shared input object instead,
 * which takes the abort signal only as an untyped extra argument and makes the requests impossible to assert on
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.Pagination).
 */
export const readPages = (
  operation: string,
  send: (exclusiveStartKey: Item | undefined, abortSignal: AbortSignal) => Promise<PageOutput>,
  options: { readonly start?: Item; readonly enough?: (count: number) => boolean } = {},
): Effect.Effect<{ readonly items: ReadonlyArray<Item>; readonly lastKey?: Item }, TransientError> =>
  Effect.gen(function* () {
    const items: Item[] = []
    let key = options.start
    do {
      const startKey = key
      const page = yield* callAws(operation, (abortSignal) => send(startKey, abortSignal))
      items.push(...(page.Items ?? []))
      key = page.LastEvaluatedKey
    } while (key !== undefined && !(options.enough?.(items.length) ?? false))
    return key === undefined ? { items } : { items, lastKey: key }
  })

/**
 * The opaque `cursor` of a `Page`: base64url of the JSON of the key to start after (a `LastEvaluatedKey`, or the
 * key of the last item handed out), its string attributes unwrapped from AttributeValue form.
 */
export const encodeCursor = (key: Item): string => Buffer.from(JSON.stringify(unmarshall(key))).toString('base64url')

/**
 * The `ExclusiveStartKey` a cursor stands for. It must hold exactly the string attributes `names`, with the values
 * `expected` pins (a customer's listing takes only that customer's cursors). A cursor is client input: anything
 * else is a defect here, since the ports have no typed error for it and DynamoDB would only answer
 * ValidationException ("The provided starting key is invalid").
 */
export const decodeCursor = (
  operation: string,
  cursor: string,
  names: ReadonlyArray<string>,
  expected: Readonly<Record<string, string>> = {},
): Effect.Effect<Item> =>
  Effect.suspend(() => {
    // The cursor itself stays out of the message: it is client input, of any size.
    const invalid = Effect.dieMessage(`${operation}: invalid cursor`)
    let key: unknown
    try {
      key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    } catch {
      return invalid
    }
    if (typeof key !== 'object' || key === null || Array.isArray(key)) return invalid
    const entries = Object.entries(key)
    const valid =
      entries.length === names.length &&
      entries.every(
        ([name, value]) =>
          names.includes(name) && typeof value === 'string' && value !== '' && (expected[name] ?? value) === value,
      )
    return valid ? Effect.succeed(marshall(key)) : invalid
  })
