import { HttpError } from '../../../../../infra/http/errors'
import { decodeCursor, encodeCursor } from '../../../../../infra/local/console/cursor'

describe('keyset cursors', () => {
  it('give back the key they were made from', () => {
    const cursor = encodeCursor(['2026-03-01T00:00:00.000Z', 4213])

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(cursor, ['string', 'number'] as const)).toEqual(['2026-03-01T00:00:00.000Z', 4213])
  })

  it.each([
    ['not base64 JSON', 'nope'],
    ['a key of another list', encodeCursor([42])],
    ['parts of the wrong kind', encodeCursor([1, 'a'])],
    ['a number that is not a safe integer', Buffer.from('["x", 1e400]').toString('base64url')],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
  ])('refuses %s with a 400 naming the cursor', (_name, cursor) => {
    let thrown: unknown
    try {
      decodeCursor(cursor, ['string', 'number'] as const)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(HttpError)
    expect(thrown).toMatchObject({ status: 400, code: 'InvalidCursor', message: expect.stringMatching(/^cursor:/) })
  })
})
