import { Context, type Effect } from 'effect'
import type { TransientError } from '../../contracts/errors'
import type { User, UserStatus } from '../../contracts/users'
import type { Page } from './order-table'

/** The users table (partition key `userId`); usernames are unique, enforced by the table itself. */
export class UserTable extends Context.Tag('UserTable')<
  UserTable,
  {
    readonly get: (userId: string) => Effect.Effect<User | undefined, TransientError>
    /** Creates the user unless the username is taken. */
    readonly create: (
      user: User,
    ) => Effect.Effect<
      { readonly created: true } | { readonly created: false; readonly reason: 'UsernameTaken' },
      TransientError
    >
    readonly list: (page: {
      readonly limit: number
      readonly cursor?: string
    }) => Effect.Effect<Page<User>, TransientError>
    /** Sets the status; answers the updated user, or undefined when there is no such user. */
    readonly setStatus: (
      userId: string,
      status: UserStatus,
      at: string,
    ) => Effect.Effect<User | undefined, TransientError>
    /** Deletes the user; answers whether there was one. */
    readonly remove: (userId: string) => Effect.Effect<boolean, TransientError>
  }
>() {}
