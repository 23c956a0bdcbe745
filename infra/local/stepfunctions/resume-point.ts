import type { AslDefinition } from '../model/asl'
import type { HistoryEvent } from './history'

/** The name, input and output a state event carries in the local runtime's history. */
const detailsOf = (event: HistoryEvent): { name?: string; input?: string; output?: string } | undefined => {
  for (const key of ['stateEnteredEventDetails', 'stateExitedEventDetails']) {
    const details = event[key] as { name?: string } | undefined
    if (details?.name) return details
  }
  return undefined
}

/** Where a redrive resumes: the top-level state the execution failed in, and the input it entered that state with. */
export interface ResumePoint {
  readonly state: string
  /** The state's input as JSON text, exactly as the history recorded it. */
  readonly input: string
}

/**
 * RedriveExecution's starting point (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html):
 * the last top-level state entered and not left, run again with the input it received; states that succeeded
 * before it are not run again. A Map is rerun whole (its iterations are idempotent steps). An execution that
 * stopped between two states resumes at the next one, with the output of the one before.
 */
export const resumePoint = (
  definition: unknown,
  history: ReadonlyArray<HistoryEvent>,
  executionInput: string,
): ResumePoint => {
  const asl = definition as AslDefinition
  let open: ResumePoint | undefined
  let lastExit: { state: string; output: string } | undefined
  for (const event of history) {
    if (event.iteration !== undefined) continue
    const details = detailsOf(event)
    if (!details?.name || !(details.name in asl.States)) continue
    if (event.type.endsWith('StateEntered')) open = { state: details.name, input: details.input ?? 'null' }
    else if (event.type.endsWith('StateExited') && open?.state === details.name) {
      lastExit = { state: details.name, output: details.output ?? 'null' }
      open = undefined
    }
  }
  if (open) return open
  const next = lastExit ? asl.States[lastExit.state]?.Next : undefined
  if (lastExit && next) return { state: next, input: lastExit.output }
  return { state: asl.StartAt, input: executionInput }
}
