import { Exit, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { User } from '../../contracts/users'
import { UserTable } from '../../steps/services/user-table'
import { defectOf } from '../support/exits'
import { runWith, type RunWithService } from '../support/run-with'
import {
  after,
  allPages,
  expectPaged,
  failingLayer,
  transientFailure,
  type ContractOptions,
  type MakeLayer,
} from './kit'

type Users = typeof UserTable.Service

export const newUser = (userId: string, username: string): User => ({
  userId,
  username,
  email: `${username}@example.com`,
  status: 'active',
  createdAt: '2026-01-10T09:00:00.000Z',
  updatedAt: '2026-01-10T09:00:00.000Z',
  version: 1,
})

const taken = { created: false, reason: 'UsernameTaken' } as const

/**
 * What every {@link UserTable} promises (steps/services/user-table.ts), run against each implementation:
 * - usernames are unique, enforced by the table: a create with a taken username writes nothing and answers
 *   UsernameTaken; a retried create of the very same user answers created, as the retry of a call whose answer was
 *   lost must; removing a user frees its username. On DynamoDB this is a transaction over the user and a username
 *   item (https://aws.amazon.com/blogs/database/simulating-amazon-dynamodb-unique-constraints-using-transactions/);
 * - a user id is never given twice: creating another user under a standing id is a defect, and the standing user stays;
 * - `setStatus` and `remove` of a missing user answer undefined and false, and create nothing
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html: without a condition,
 *   UpdateItem would create the item);
 * - `list` pages: at most `limit` a page, every page but the last full, a cursor that round-trips, each user once;
 * - a failing backend is a TransientError.
 */
export const userTableContract = (name: string, layer: MakeLayer<UserTable>, options: ContractOptions<UserTable>) =>
  describe(`UserTable: ${name}`, () => {
    let run: RunWithService<Users, UserTable, never>
    beforeEach(async () => {
      run = runWith(await layer(), UserTable)
    })

    const ada = newUser('u-ada', 'ada')

    describe('conditional writes', () => {
      it('creates a user and reads it back', async () => {
        expect(await run((users) => users.create(ada))).toEqual(Exit.succeed({ created: true }))
        expect(await run((users) => users.get('u-ada'))).toEqual(Exit.succeed(ada))
      })

      it('refuses a second user with a taken username, writing nothing', async () => {
        await run((users) => users.create(ada))

        expect(await run((users) => users.create(newUser('u-ada-2', 'ada')))).toEqual(Exit.succeed(taken))
        expect(await run((users) => users.get('u-ada-2'))).toEqual(Exit.succeed(undefined))
        expect(await run((users) => users.get('u-ada'))).toEqual(Exit.succeed(ada))
      })

      it('answers created to a retry of the same create, and keeps one user', async () => {
        await run((users) => users.create(ada))

        expect(await run((users) => users.create(ada))).toEqual(Exit.succeed({ created: true }))
        expect(await run((users) => users.list({ limit: 10 }))).toEqual(Exit.succeed({ items: [ada] }))
      })

      it('never replaces a standing user with another under the same id', async () => {
        await run((users) => users.create(ada))

        const exit = await run((users) => users.create(newUser('u-ada', 'grace')))

        expect(defectOf(exit)).toBeInstanceOf(Error)
        expect(await run((users) => users.get('u-ada'))).toEqual(Exit.succeed(ada))
        // The username of the refused user stays free.
        expect(await run((users) => users.create(newUser('u-grace', 'grace')))).toEqual(Exit.succeed({ created: true }))
      })

      it('frees the username of a removed user', async () => {
        await run((users) => users.create(ada))

        expect(await run((users) => users.remove('u-ada'))).toEqual(Exit.succeed(true))
        expect(await run((users) => users.get('u-ada'))).toEqual(Exit.succeed(undefined))
        expect(await run((users) => users.create(newUser('u-ada-again', 'ada')))).toEqual(
          Exit.succeed({ created: true }),
        )
      })

      it('sets the status of a user and answers the updated user, one version on', async () => {
        await run((users) => users.create(ada))
        const suspended: User = { ...ada, status: 'suspended', updatedAt: '2026-01-11T00:00:00.000Z', version: 2 }

        expect(await run((users) => users.setStatus('u-ada', 'suspended', '2026-01-11T00:00:00.000Z'))).toEqual(
          Exit.succeed(suspended),
        )
        expect(await run((users) => users.get('u-ada'))).toEqual(Exit.succeed(suspended))
      })
    })

    describe('not found', () => {
      it('answers undefined for a user that is not there', async () => {
        expect(await run((users) => users.get('u-nobody'))).toEqual(Exit.succeed(undefined))
      })

      it('answers undefined to setStatus of a missing user, and creates none', async () => {
        expect(await run((users) => users.setStatus('u-nobody', 'suspended', '2026-01-11T00:00:00.000Z'))).toEqual(
          Exit.succeed(undefined),
        )
        expect(await run((users) => users.get('u-nobody'))).toEqual(Exit.succeed(undefined))
      })

      it('answers false to remove of a missing user, twice', async () => {
        await run((users) => users.create(ada))
        await run((users) => users.remove('u-ada'))

        expect(await run((users) => users.remove('u-ada'))).toEqual(Exit.succeed(false))
        expect(await run((users) => users.remove('u-nobody'))).toEqual(Exit.succeed(false))
      })

      it('lists no users in an empty table', async () => {
        expect(await run((users) => users.list({ limit: 10 }))).toEqual(Exit.succeed({ items: [] }))
      })
    })

    describe('paging', () => {
      const many = Array.from({ length: 7 }, (_, index) => newUser(`u-${index}`, `user-${index}`))

      it.each([1, 2, 3, 7, 20])('lists every user once, %i a page at a time', async (limit) => {
        for (const user of many) await run((users) => users.create(user))

        const pages = await allPages((cursor) => run((users) => users.list({ limit, ...after(cursor) })))

        expect([...expectPaged(pages, limit, (user) => user.userId)].sort()).toEqual(many.map((user) => user.userId))
        expect(pages.flatMap((page) => page.items)).toEqual(expect.arrayContaining(many))
      })
    })

    const failing = failingLayer(options.backendFailure)
    if (failing !== undefined)
      describe('transient failures', () => {
        it.each<[string, (users: Users) => Effect.Effect<unknown, TransientError>]>([
          ['get', (users) => users.get('u-ada')],
          ['create', (users) => users.create(ada)],
          ['list', (users) => users.list({ limit: 10 })],
          ['setStatus', (users) => users.setStatus('u-ada', 'suspended', '2026-01-11T00:00:00.000Z')],
          ['remove', (users) => users.remove('u-ada')],
        ])('fails %s with a TransientError when the backend fails', async (_, call) => {
          expect(await runWith(await failing(), UserTable)(call)).toEqual(transientFailure)
        })
      })
  })
