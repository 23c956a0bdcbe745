import type { Diagnostic } from './engine'

export { ExecutionNotRedrivable } from './engine'

/**
 * The Step Functions API's errors the executor raises, each named as the API names it
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html and each action's Errors section),
 * so a wire layer answers with `name` as the error code.
 */
export class ExecutionDoesNotExist extends Error {
  override readonly name = 'ExecutionDoesNotExist'
}

/** StartExecution with the name of an execution that is closed, or open with another input. */
export class ExecutionAlreadyExists extends Error {
  override readonly name = 'ExecutionAlreadyExists'
}

export class StateMachineDoesNotExist extends Error {
  override readonly name = 'StateMachineDoesNotExist'
}

/** StartSyncExecution on a STANDARD state machine, ListExecutions on an EXPRESS one. */
export class StateMachineTypeNotSupported extends Error {
  override readonly name = 'StateMachineTypeNotSupported'
}

export class InvalidName extends Error {
  override readonly name = 'InvalidName'
}

export class InvalidExecutionInput extends Error {
  override readonly name = 'InvalidExecutionInput'
}

/** A nextToken this executor did not hand out. */
export class InvalidToken extends Error {
  override readonly name = 'InvalidToken'
}

/** A parameter out of its documented range (maxResults over 1000). */
export class ValidationException extends Error {
  override readonly name = 'ValidationException'
}

/**
 * A state machine of the template the runtime cannot run: a definition AWS would refuse (CreateStateMachine's
 * InvalidDefinition, https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html), or a
 * Task integration the runtime does not provide. Named with the machine, the state and the reason.
 */
export class InvalidStateMachine extends Error {
  override readonly name = 'InvalidStateMachine'
  constructor(
    readonly stateMachine: string,
    readonly state: string | undefined,
    readonly reason: string,
    readonly diagnostics: ReadonlyArray<Diagnostic> = [],
  ) {
    super(`State machine ${stateMachine}${state === undefined ? '' : `, state ${state}`}: ${reason}`)
  }
}
