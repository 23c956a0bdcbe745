import { Cause, Exit, Option } from 'effect'

/** The defect an Exit died with, or `undefined` when it succeeded or failed with a typed error. */
export const defectOf = (exit: Exit.Exit<unknown, unknown>): unknown =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined

/** The typed error an Exit failed with, or `undefined`. */
export const failureOf = (exit: Exit.Exit<unknown, unknown>): unknown =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
