import { compilePattern, InvalidEventPattern } from '../eventbridge/pattern'
import { HttpError } from '../../http/errors'

/** Compiles a pattern from a request, answering an invalid one as EventBridge does. */
export const patternMatcher = (pattern: unknown) => {
  try {
    return compilePattern(pattern)
  } catch (error) {
    if (error instanceof InvalidEventPattern) throw new HttpError(400, 'InvalidEventPatternException', error.message)
    throw error
  }
}
