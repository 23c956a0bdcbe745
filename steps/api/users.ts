import { randomBytes } from 'node:crypto'
import { Effect, Schema } from 'effect'
import { CreateUserRequest, UpdateUserRequest, UserIdPrefix, type User } from '../../contracts/users'
import { now, type Clock } from '../services/clock'
import { UserTable } from '../services/user-table'
import { Cursor, decodeFields, decodeQuery, Limit, readJsonObject } from './body'
import type { ApiRequest } from './event'
import { json, noContent, notFound, reject } from './responses'
import type { ApiHandler, Route } from './router'

type Params = Readonly<Record<string, string>>

const location = (user: User) => `/users/${encodeURIComponent(user.userId)}`

/** `POST /users`: 201 with the new user, or 409 `UsernameTaken` (the table enforces unique usernames). */
export const createUser = (request: ApiRequest) =>
  Effect.gen(function* () {
    const { username, email } = yield* decodeFields(CreateUserRequest, yield* readJsonObject(request), 'user')
    const at = yield* now
    const user: User = {
      userId: `${UserIdPrefix}${randomBytes(12).toString('hex')}`,
      username,
      email,
      status: 'active',
      createdAt: at,
      updatedAt: at,
      version: 1,
    }
    const result = yield* (yield* UserTable).create(user)
    if (!result.created) {
      return yield* reject(409, 'UsernameTaken', `The username ${username} is taken`, {
        fields: [{ path: 'username', message: 'is taken' }],
      })
    }
    return json(201, user, { location: location(user) })
  })

const UsersQuery = Schema.Struct({ limit: Limit, cursor: Cursor })

/** `GET /users?limit=&cursor=`: every user, a page at a time. */
export const listUsers = (request: ApiRequest) =>
  Effect.gen(function* () {
    const { limit, cursor } = yield* decodeQuery(UsersQuery, request)
    const page = yield* (yield* UserTable).list(cursor === undefined ? { limit } : { limit, cursor })
    return json(200, page.next === undefined ? { users: page.items } : { users: page.items, next: page.next })
  })

/** `GET /users/{userId}`. */
export const getUser = (_request: ApiRequest, params: Params) =>
  Effect.gen(function* () {
    const user = yield* (yield* UserTable).get(params.userId ?? '')
    return user ? json(200, user) : yield* notFound(`No user ${params.userId}`)
  })

/** `PATCH /users/{userId}` with `{"status": "active" | "suspended"}`: 200 with the updated user. The body is checked before the user is looked up. */
export const updateUser = (request: ApiRequest, params: Params) =>
  Effect.gen(function* () {
    const { status } = yield* decodeFields(UpdateUserRequest, yield* readJsonObject(request), 'update')
    const updated = yield* (yield* UserTable).setStatus(params.userId ?? '', status, yield* now)
    return updated ? json(200, updated) : yield* notFound(`No user ${params.userId}`)
  })

/** `DELETE /users/{userId}`: 204, or 404 when there was no such user. */
export const deleteUser = (_request: ApiRequest, params: Params) =>
  Effect.gen(function* () {
    const removed = yield* (yield* UserTable).remove(params.userId ?? '')
    return removed ? noContent() : yield* notFound(`No user ${params.userId}`)
  })

export type UserServices = UserTable | Clock

export const userRoutes: ReadonlyArray<Route<ApiHandler<UserServices>>> = [
  { method: 'POST', path: '/users', handler: createUser },
  { method: 'GET', path: '/users', handler: listUsers },
  { method: 'GET', path: '/users/{userId}', handler: getUser },
  { method: 'PATCH', path: '/users/{userId}', handler: updateUser },
  { method: 'DELETE', path: '/users/{userId}', handler: deleteUser },
]
