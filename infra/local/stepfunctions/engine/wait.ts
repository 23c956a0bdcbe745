import { parseTimestamp } from './choice'
import type { CompiledState } from './compile'
import { ErrorNames, StateRuntimeError, runtimeError } from './errors'
import { stringify, type Execution, type Frame } from './execution'
import { unexpectedType, type JsonataEnv } from './jsonata-fields'
import { resolveReference, type DataEnv } from './references'

/** Wait states (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html): causes as observed on AWS. */
/** The longest wait AWS starts: 2^31 - 1 seconds (a longer one fails "Wait state delay is too long."). */
const MaxWaitMs = 2147483647 * 1000

export const wait = async (
  execution: Execution,
  state: CompiledState,
  frame: Frame,
  env: DataEnv,
  jsonataEnv: JsonataEnv,
) => {
  let ms = 0
  if (state.seconds) {
    if (state.seconds.kind === 'path') {
      const result = resolveReference(state.seconds.reference, env)
      if (!result.found)
        throw runtimeError(
          `The SecondsPath parameter does not reference an input value: ${state.seconds.reference.text}`,
        )
      const value = result.value
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw runtimeError(
          `The SecondsPath parameter cannot be parsed as a long value: ${state.seconds.reference.text} == ${stringify(value)}`,
        )
      if (value < 0)
        throw runtimeError(
          `The SecondsPath parameter references a negative value: ${state.seconds.reference.text} == ${value}`,
        )
      ms = value * 1000
    } else if (state.seconds.kind === 'jsonata') {
      const value = await state.seconds.evaluate(jsonataEnv)
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        throw unexpectedType(state.seconds.text, 'Seconds', 'integer', value)
      ms = value * 1000
    } else ms = state.seconds.value * 1000
  } else if (state.timestamp) {
    let text: unknown
    if (state.timestamp.kind === 'path') {
      const reference = state.timestamp.reference
      const result = resolveReference(reference, env)
      if (!result.found)
        throw runtimeError(`The TimestampPath parameter does not reference an input value: ${reference.text}`)
      text = result.value
      if (parseTimestamp(text) === undefined)
        throw runtimeError(
          `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${reference.text} == ${typeof text === 'string' ? text : stringify(text)}`,
        )
    } else if (state.timestamp.kind === 'jsonata') {
      text = await state.timestamp.evaluate(jsonataEnv)
      if (parseTimestamp(text) === undefined)
        throw new StateRuntimeError(
          ErrorNames.queryEvaluationError,
          `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${typeof text === 'string' ? text : stringify(text)}`,
          'Timestamp',
        )
    } else {
      text = state.timestamp.value
      if (parseTimestamp(text) === undefined)
        throw runtimeError(
          `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(text)}`,
        )
    }
    // AWS reads a timestamp to the second, dropping its milliseconds (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html).
    ms = Math.floor((parseTimestamp(text) as number) / 1000) * 1000 - execution.clock.now()
  }
  if (ms > MaxWaitMs) throw runtimeError('Wait state delay is too long.')
  if (ms > 0) await execution.clock.sleep(ms, frame.signal)
}
