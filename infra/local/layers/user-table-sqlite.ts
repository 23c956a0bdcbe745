import { Effect, Layer } from 'effect'
import type { User } from '../../../contracts/users'
import { UserTable } from '../../../steps/services/user-table'
import type { LocalTables } from '../dynamodb/tables'
import { attempt } from './attempt'

/**
 * The users table over the local tables; a username is unique, checked in the transaction that writes the user. A user
 * id taken by another username is a defect, as on DynamoDB: ids are generated, so only a bug can repeat one.
 */
export const UserTableSqlite = (tables: LocalTables, table: string) =>
  Layer.succeed(UserTable, {
    get: (userId) => attempt('dynamodb:GetItem', () => tables.get<User>(table, userId)),
    create: (user) =>
      attempt('dynamodb:TransactWriteItems', (): 'created' | 'taken' | 'id-taken' => {
        const seen: { standing?: User } = {}
        const created = tables.put(table, user.userId, 'userId', user, (existing) => {
          seen.standing = existing as User | undefined
          return (
            existing === undefined &&
            tables.query(table, "json_extract(item, '$.username') = ?", [user.username], { limit: 1 }).items.length ===
              0
          )
        })
        if (created) return 'created'
        if (seen.standing === undefined) return 'taken'
        // The same user again is a retry of a create that committed, as the DynamoDB adapter answers it.
        return seen.standing.username === user.username ? 'created' : 'id-taken'
      }).pipe(
        Effect.flatMap((outcome) =>
          outcome === 'id-taken'
            ? Effect.dieMessage(`UserTable.create: user id ${user.userId} already exists with another username`)
            : Effect.succeed(
                outcome === 'created'
                  ? ({ created: true } as const)
                  : ({ created: false, reason: 'UsernameTaken' } as const),
              ),
        ),
      ),
    list: (page) =>
      attempt('dynamodb:Scan', () => {
        const { items, next } = tables.query<User>(table, '', [], page)
        return next === undefined ? { items } : { items, next }
      }),
    setStatus: (userId, status, at) =>
      attempt('dynamodb:UpdateItem', () =>
        tables.update<User>(table, userId, 'userId', (existing) =>
          existing ? { ...existing, status, updatedAt: at, version: (existing.version ?? 0) + 1 } : undefined,
        ),
      ),
    remove: (userId) => attempt('dynamodb:DeleteItem', () => tables.remove(table, userId, 'userId')),
  })
