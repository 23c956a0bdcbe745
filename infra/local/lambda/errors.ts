/**
 * A filter AWS refuses when the pipe or event source mapping is created, so the local runtime refuses to start with
 * it. The wording is Lambda's answer to CreateEventSourceMapping (`InvalidParameterValueException: Invalid filter
 * pattern definition.`, https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html); CreatePipe
 * answers a `ValidationException` for the same filters, since pipes filter "in the same way as ... Lambda event
 * source mapping" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html). What
 * follows in parentheses is the local runtime's own pointer to the offending operator.
 */
export class InvalidFilterCriteria extends Error {
  override readonly name: 'ValidationException' | 'InvalidParameterValueException'

  constructor(
    readonly resource: { readonly kind: 'pipe' | 'event source mapping'; readonly name: string },
    detail: string,
  ) {
    const name = resource.kind === 'pipe' ? 'ValidationException' : 'InvalidParameterValueException'
    super(
      `${resource.kind === 'pipe' ? 'Pipe' : 'Event source mapping'} ${resource.name}: ${name}: Invalid filter pattern definition. (${detail})`,
    )
    this.name = name
  }
}
