import { Exit, Layer, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import { Clock } from '../../steps/services/clock'
import { IdempotencyStore, type StoredResponse } from '../../steps/services/idempotency'
import { runWith, type RunWithService } from '../support/run-with'
import { failingLayer, transientFailure, type ContractOptions, type MakeLayer } from './kit'

type Store = typeof IdempotencyStore.Service

const noon = '2026-04-01T12:00:00.000Z'
const inAnHour = '2026-04-01T13:00:00.000Z'
const aSecondLater = '2026-04-01T13:00:01.000Z'

const created: StoredResponse = {
  statusCode: 201,
  headers: { 'content-type': 'application/json', location: '/orders/o-1' },
  body: '{"orderId":"o-1","status":"PENDING"}',
}

/**
 * What every {@link IdempotencyStore} promises (steps/services/idempotency.ts), as Powertools' idempotency utility
 * keeps its records (https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/): the first
 * request with a key runs; a retry with the same body meets the request in progress, then its stored answer; another
 * body is a mismatch; `release` forgets an unfinished record, never a completed one; `complete` never brings back a
 * record that is gone. A record whose expiry has passed by the Clock (strictly before now: an expiry of exactly now
 * still stands, as `#expiresAt < :now` on DynamoDB) is free for any request whether or not it is still stored: the
 * port deletes nothing itself, the table's TTL does, lazily
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html). A failing backend is a
 * TransientError.
 *
 * The contract provides the Clock, and moves it: an implementation must read "now" from it, as the AWS one does.
 */
export const idempotencyContract = (
  name: string,
  layer: MakeLayer<IdempotencyStore, Clock>,
  options: ContractOptions<IdempotencyStore, Clock>,
) =>
  describe(`IdempotencyStore: ${name}`, () => {
    let now = noon
    const clock = Layer.succeed(Clock, { now: () => now })
    let run: RunWithService<Store, IdempotencyStore, never>
    beforeEach(async () => {
      now = noon
      run = runWith(Layer.provide(await layer(), clock), IdempotencyStore)
    })

    const begin = (key: string, fingerprint: string, expiresAt = inAnHour) =>
      run((store) => store.begin(key, fingerprint, expiresAt))

    describe('conditional writes', () => {
      it('takes a new key, then answers in-progress to a retry of the request still running', async () => {
        expect(await begin('k', 'fp-1')).toEqual(Exit.succeed({ kind: 'new' }))
        expect(await begin('k', 'fp-1')).toEqual(Exit.succeed({ kind: 'in-progress' }))
      })

      it('replays the stored response to a retry once the request completed', async () => {
        await begin('k', 'fp-1')

        expect(await run((store) => store.complete('k', created))).toEqual(Exit.void)
        expect(await begin('k', 'fp-1')).toEqual(Exit.succeed({ kind: 'completed', response: created }))
      })

      it('stores and replays a response with no headers and an empty body (a 204)', async () => {
        const noContent: StoredResponse = { statusCode: 204, headers: {}, body: '' }
        await begin('k', 'fp-1')

        await run((store) => store.complete('k', noContent))

        expect(await begin('k', 'fp-1')).toEqual(Exit.succeed({ kind: 'completed', response: noContent }))
      })

      it('answers mismatch to the same key with another body, running or completed', async () => {
        await begin('k', 'fp-1')

        expect(await begin('k', 'fp-other')).toEqual(Exit.succeed({ kind: 'mismatch' }))
        await run((store) => store.complete('k', created))
        expect(await begin('k', 'fp-other')).toEqual(Exit.succeed({ kind: 'mismatch' }))
      })

      it('keeps keys apart', async () => {
        await begin('k-1', 'fp-1')

        expect(await begin('k-2', 'fp-1')).toEqual(Exit.succeed({ kind: 'new' }))
      })

      it('forgets an unfinished record on release, so the retry runs again, with any body', async () => {
        await begin('k', 'fp-1')

        expect(await run((store) => store.release('k'))).toEqual(Exit.void)
        expect(await begin('k', 'fp-2')).toEqual(Exit.succeed({ kind: 'new' }))
      })

      it('keeps a completed record on release', async () => {
        await begin('k', 'fp-1')
        await run((store) => store.complete('k', created))

        expect(await run((store) => store.release('k'))).toEqual(Exit.void)
        expect(await begin('k', 'fp-1')).toEqual(Exit.succeed({ kind: 'completed', response: created }))
      })
    })

    describe('not found', () => {
      it('releases a key never begun without error', async () => {
        expect(await run((store) => store.release('k-never'))).toEqual(Exit.void)
      })

      it('does not bring back a record that is gone when completing it', async () => {
        expect(await run((store) => store.complete('k-gone', created))).toEqual(Exit.void)
        expect(await begin('k-gone', 'fp-1')).toEqual(Exit.succeed({ kind: 'new' }))
      })
    })

    describe('expiry', () => {
      it('keeps a record until its expiry has passed, then lets any request take the key', async () => {
        await begin('k', 'fp-1')
        await run((store) => store.complete('k', created))

        now = inAnHour
        expect(await begin('k', 'fp-1', '2026-04-01T14:00:00.000Z')).toEqual(
          Exit.succeed({ kind: 'completed', response: created }),
        )
        now = aSecondLater
        expect(await begin('k', 'fp-2', '2026-04-01T14:00:01.000Z')).toEqual(Exit.succeed({ kind: 'new' }))
        // The key now holds the new request, in progress, with its own expiry.
        expect(await begin('k', 'fp-2')).toEqual(Exit.succeed({ kind: 'in-progress' }))
        expect(await begin('k', 'fp-1')).toEqual(Exit.succeed({ kind: 'mismatch' }))
      })

      it('takes an expired key that was never completed too', async () => {
        await begin('k', 'fp-1')

        now = aSecondLater
        expect(await begin('k', 'fp-1', '2026-04-01T14:00:01.000Z')).toEqual(Exit.succeed({ kind: 'new' }))
      })
    })

    const failing = failingLayer(options.backendFailure)
    if (failing !== undefined)
      describe('transient failures', () => {
        it.each<[string, (store: Store) => Effect.Effect<unknown, TransientError>]>([
          ['begin', (store) => store.begin('k', 'fp-1', inAnHour)],
          ['complete', (store) => store.complete('k', created)],
          ['release', (store) => store.release('k')],
        ])('fails %s with a TransientError when the backend fails', async (_, call) => {
          expect(await runWith(Layer.provide(await failing(), clock), IdempotencyStore)(call)).toEqual(transientFailure)
        })
      })
  })
