import { Schema } from 'effect'
import { EventEnvelope } from './envelope'
import { UserStatusChangedType, UserWelcomedType } from './sources'

export const Username = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.-]{3,32}$/, { message: () => 'must be 3 to 32 letters, digits, "_", "." or "-"' }),
)
export const Email = Schema.String.pipe(
  Schema.maxLength(254),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => 'must be a well-formed email address' }),
)
/**
 * Every user id starts with this; the users table's other items (username reservations, `username#<name>`) never do,
 * which is what the users table's stream pipe filters on (a pipe filter takes `prefix`, not `anything-but` with one).
 */
export const UserIdPrefix = 'usr_'

export const UserStatus = Schema.Literal('active', 'suspended')
export type UserStatus = typeof UserStatus.Type

/** The body of `POST /users`. */
export const CreateUserRequest = Schema.Struct({ username: Username, email: Email })
/** The body of `PATCH /users/{id}`. */
export const UpdateUserRequest = Schema.Struct({ status: UserStatus })

export const User = Schema.Struct({
  userId: Schema.String,
  username: Schema.String,
  email: Schema.String,
  status: UserStatus,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  /** Counts the writes: 1 when created, one more on each update. Absent on users written before versions: read as 0. */
  version: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
})
export type User = typeof User.Type

export const UserWelcomed = EventEnvelope(
  UserWelcomedType,
  Schema.Struct({ userId: Schema.String, username: Schema.String, email: Schema.String }),
)
export const UserStatusChangedDetail = Schema.Struct({
  userId: Schema.String,
  username: Schema.String,
  oldStatus: UserStatus,
  newStatus: UserStatus,
})
export const UserStatusChanged = EventEnvelope(UserStatusChangedType, UserStatusChangedDetail)
