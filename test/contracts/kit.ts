import { Exit, type Layer } from 'effect'
import { TransientError } from '../../contracts/errors'
import type { Page } from '../../steps/services/order-table'

/**
 * A fresh implementation of a port, over an empty backend: the contract asks for one before each test, so no test
 * sees another's items. `R` is what the contract itself provides (a Clock it controls).
 */
export type MakeLayer<I, R = never> = () => Layer.Layer<I, never, R> | Promise<Layer.Layer<I, never, R>>

/**
 * How an implementation shows that an infrastructure failure reaches the caller as a `TransientError` (retried by the
 * workflow), never as a defect or a wrong answer: a layer over a backend that fails every call (an endpoint answering
 * 5xx, a closed database), or, for an implementation with nothing between the port and its data that could fail,
 * the reason why, so that the contract run says it rather than leaving the case out unseen.
 */
export type BackendFailure<I, R = never> = { readonly failing: MakeLayer<I, R> } | { readonly cannotFail: string }

/** Every contract's options. */
export interface ContractOptions<I, R = never> {
  readonly backendFailure: BackendFailure<I, R>
}

/** The failing layer, when the implementation has one. */
export const failingLayer = <I, R>(failure: BackendFailure<I, R>): MakeLayer<I, R> | undefined =>
  'failing' in failure ? failure.failing : undefined

/** The Exit of a call whose backend failed: a TransientError, whatever its operation name and message. */
export const transientFailure = Exit.fail(expect.any(TransientError))

/** The value of a successful Exit; anything else fails the test with the cause. */
export const valueOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${String(exit.cause)}`)
  return exit.value
}

/** Every page of a listing, following `next` until it is absent (50 pages at most, so a cursor loop fails the test). */
export const allPages = async <A>(
  read: (cursor: string | undefined) => Promise<Exit.Exit<Page<A>, unknown>>,
): Promise<ReadonlyArray<Page<A>>> => {
  const pages: Page<A>[] = []
  let cursor: string | undefined
  do {
    const page = valueOf(await read(cursor))
    pages.push(page)
    cursor = page.next
  } while (cursor !== undefined && pages.length < 50)
  return pages
}

/** `{ cursor }` when there is one: the ports take an absent cursor, not an undefined one. */
export const after = (cursor: string | undefined) => (cursor === undefined ? {} : { cursor })

/**
 * What every paged listing promises, whatever the store: each page holds at most `limit` items, every page but the
 * last is full (DynamoDB may end with an empty page after a full one), and the pages together hold each item once.
 */
export const expectPaged = <A>(pages: ReadonlyArray<Page<A>>, limit: number, ids: (item: A) => string) => {
  const listed = pages.flatMap((page) => page.items.map(ids))
  expect(pages.every((page) => page.items.length <= limit)).toBe(true)
  expect(pages.slice(0, -1).every((page) => page.items.length === limit)).toBe(true)
  expect(pages.at(-1)?.next).toBeUndefined()
  expect(new Set(listed).size).toBe(listed.length)
  return listed
}
