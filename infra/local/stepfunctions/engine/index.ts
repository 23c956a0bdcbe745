/**
 * The Amazon States Language engine (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html):
 * validation, execution with GetExecutionHistory-shaped events, redrive and Step Functions Local mocks. It imports
 * nothing from the rest of the project, only Node's builtins and jsonata.
 */
export { runExecution, retryDelay, MaxPayloadBytes, type RunExecutionOptions } from './run'
export { validateDefinition, loadDefinition, InvalidDefinition, type Diagnostic } from './validate'
export { planRedrive, ExecutionNotRedrivable, type ResumePlan } from './redrive'
export {
  parseMockConfig,
  selectTestCase,
  mockedInvokeTask,
  InvalidMockConfig,
  MissingMock,
  type MockConfig,
  type MockedResponse,
} from './mock-config'
export { realClock, virtualClock, type Clock } from './clock'
export { StatesError, InvocationDefect, ErrorNames } from './errors'
export type {
  ContextObject,
  ExecutionInfo,
  ExecutionOutcome,
  ExecutionStatus,
  HistoryEvent,
  InvokeTask,
  StateDefinition,
  StateMachineDefinition,
  TaskInvocation,
} from './types'
