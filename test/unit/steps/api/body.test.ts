import { Either, Schema } from 'effect'
import { fieldErrors, formatPath } from '../../../../steps/api/body'

describe('formatPath', () => {
  it.each([
    [['customerId'], 'customerId'],
    [['items', 0, 'quantity'], 'items[0].quantity'],
    [['items', 12], 'items[12]'],
    [['headers', 'idempotency-key'], 'headers["idempotency-key"]'],
    [[], ''],
  ])('writes %j as %s', (path, text) => {
    expect(formatPath(path)).toBe(text)
  })
})

describe('fieldErrors', () => {
  const Sample = Schema.Struct({
    kind: Schema.Literal('a', 'b', 'c'),
    tags: Schema.optional(Schema.Array(Schema.String)),
    count: Schema.optional(Schema.Number),
    flag: Schema.Boolean,
  })
  const errorsOf = (value: unknown) => {
    const result = Schema.decodeUnknownEither(Sample, { errors: 'all' })(value)
    if (Either.isRight(result)) throw new Error('expected a failure')
    return fieldErrors(result.left)
  }

  it('names each field once, in short words, without the optional fields’ undefined arm', () => {
    expect(errorsOf({ kind: 'z', tags: 'x', count: 'many', flag: 'yes' })).toEqual([
      { path: 'kind', message: 'must be one of "a", "b", "c"' },
      { path: 'tags', message: 'must be an array' },
      { path: 'count', message: 'must be a number (got "many")' },
      { path: 'flag', message: 'must be a boolean (got "yes")' },
    ])
  })

  it('shortens a long actual value', () => {
    expect(errorsOf({ kind: 'a', flag: 'y'.repeat(100) })).toEqual([
      { path: 'flag', message: `must be a boolean (got "${'y'.repeat(36)}...)` },
    ])
  })

  it('names the element of an array', () => {
    expect(errorsOf({ kind: 'a', flag: true, tags: ['ok', 3] })).toEqual([
      { path: 'tags[1]', message: 'must be a string (got 3)' },
    ])
  })
})
