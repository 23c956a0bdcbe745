import { Effect, Exit, Layer } from 'effect'
import type { TransientError } from '../../contracts/errors'
import { ClockFixed, type Clock } from '../../steps/services/clock'
import { Ledger } from '../../steps/services/ledger'
import { runWith, type RunWithService } from '../support/run-with'
import { failingLayer, transientFailure, type ContractOptions, type MakeLayer } from './kit'

type LedgerService = typeof Ledger.Service

/** One call in a key's history. */
type Step = { readonly claim: string } | { readonly complete: true } | { readonly release: string }

const replay = (ledger: LedgerService, key: string, history: ReadonlyArray<Step>) =>
  Effect.forEach(history, (step) =>
    'claim' in step
      ? ledger.claim(key, step.claim)
      : 'release' in step
        ? ledger.release(key, step.release)
        : ledger.complete(key),
  )

/**
 * What every {@link Ledger} promises (steps/services/ledger.ts), run against each implementation: `claim` is a
 * conditional write that answers true for a free key, or for the owner that holds it unfinished (its run restarted);
 * `complete` marks the key done for good, claimed or not; `release` gives an unfinished claim back, and only its
 * owner can. On DynamoDB these are PutItem, UpdateItem and DeleteItem with ConditionExpressions
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html). A
 * failing backend is a TransientError, never a `false` that would skip the side effect.
 *
 * The contract provides the Clock: implementations that stamp claims read it.
 */
export const ledgerContract = (
  name: string,
  layer: MakeLayer<Ledger, Clock>,
  options: ContractOptions<Ledger, Clock>,
) =>
  describe(`Ledger: ${name}`, () => {
    const clock = ClockFixed('2026-03-01T12:00:00.000Z')
    let run: RunWithService<LedgerService, Ledger, never>
    beforeEach(async () => {
      run = runWith(Layer.provide(await layer(), clock), Ledger)
    })

    const key = 'ImageProcessed#uploads/uploads/cat.jpg#etag-v1'

    describe('conditional writes', () => {
      it.each<[string, ReadonlyArray<Step>, string, boolean]>([
        ['a free key: yes', [], 'run-a', true],
        ['a key this owner claimed and never completed (its run restarted): yes', [{ claim: 'run-a' }], 'run-a', true],
        ['a key another owner holds: no', [{ claim: 'run-a' }], 'run-b', false],
        ['a completed key, for its owner: no', [{ claim: 'run-a' }, { complete: true }], 'run-a', false],
        ['a completed key, for another owner: no', [{ claim: 'run-a' }, { complete: true }], 'run-b', false],
        ['a key its owner released: yes, for anyone', [{ claim: 'run-a' }, { release: 'run-a' }], 'run-b', true],
        ['a key another owner tried to release: no', [{ claim: 'run-a' }, { release: 'run-b' }], 'run-b', false],
        [
          'a key another owner tried to release, for its owner: yes',
          [{ claim: 'run-a' }, { release: 'run-b' }],
          'run-a',
          true,
        ],
        [
          'a completed key its owner tried to release: no',
          [{ claim: 'run-a' }, { complete: true }, { release: 'run-a' }],
          'run-b',
          false,
        ],
        ['a key completed without a standing claim: no, for good', [{ complete: true }], 'run-a', false],
        [
          'a key completed after its claim was released: no',
          [{ claim: 'run-a' }, { release: 'run-a' }, { complete: true }],
          'run-a',
          false,
        ],
        ['a key released by an owner that never claimed it: yes', [{ release: 'run-a' }], 'run-b', true],
      ])('claim on %s', async (_name, history, owner, granted) => {
        await run((ledger) => replay(ledger, key, history))

        expect(await run((ledger) => ledger.claim(key, owner))).toEqual(Exit.succeed(granted))
      })

      it('answers every release and complete with success, whatever stands', async () => {
        const exit = await run((ledger) =>
          Effect.all([
            ledger.release(key, 'run-a'),
            ledger.claim(key, 'run-a'),
            ledger.release(key, 'run-b'),
            ledger.complete(key),
            ledger.complete(key),
            ledger.release(key, 'run-a'),
          ]),
        )

        expect(exit).toEqual(Exit.succeed([undefined, true, undefined, undefined, undefined, undefined]))
      })

      it('keeps claims of different keys apart', async () => {
        const exit = await run((ledger) =>
          Effect.all([ledger.claim('a', 'run-a'), ledger.claim('b', 'run-b'), ledger.claim('a', 'run-b')]),
        )

        expect(exit).toEqual(Exit.succeed([true, true, false]))
      })
    })

    const failing = failingLayer(options.backendFailure)
    if (failing !== undefined)
      describe('transient failures', () => {
        it.each<[string, (ledger: LedgerService) => Effect.Effect<unknown, TransientError>]>([
          ['claim', (ledger) => ledger.claim(key, 'run-a')],
          ['complete', (ledger) => ledger.complete(key)],
          ['release', (ledger) => ledger.release(key, 'run-a')],
        ])('fails %s with a TransientError when the backend fails', async (_, call) => {
          expect(await runWith(Layer.provide(await failing(), clock), Ledger)(call)).toEqual(transientFailure)
        })
      })
  })
