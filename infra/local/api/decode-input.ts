import { Either, ParseResult, Schema } from 'effect'
import { AwsApiError } from './errors'

/**
 * Decodes a JSON-protocol request with its schema, answering as AWS's JSON services do: a missing member is a
 * ValidationException in their words (`1 validation error detected: Value null at 'name' failed to satisfy
 * constraint: Member must not be null`), a member of the wrong type a SerializationException naming it.
 */
export const decodeInput = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => {
  const decoded = Schema.decodeUnknownEither(schema)(input)
  if (Either.isRight(decoded)) return decoded.right
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
  const member = issue?.path.join('.') ?? ''
  if (issue?._tag === 'Missing')
    throw new AwsApiError(
      400,
      'ValidationException',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    )
  throw new AwsApiError(
    400,
    'SerializationException',
    `Unexpected value at '${member}': ${issue?.message ?? 'not of the type the operation takes'}`,
  )
}
