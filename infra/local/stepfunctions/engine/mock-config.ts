import { InvocationDefect } from './errors'
import type { InvokeTask } from './types'

/**
 * Step Functions Local's mock configuration (https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html):
 * `StateMachines → TestCases → state → mocked response name`, and `MockedResponses → name → {"0": {Return | Throw}, "1-2": ...}`,
 * read and validated here, then served as an `invokeTask` that answers each Task state from the chosen test case.
 */
export interface MockConfig {
  readonly StateMachines: Readonly<
    Record<string, { readonly TestCases: Readonly<Record<string, Readonly<Record<string, string>>>> }>
  >
  readonly MockedResponses: Readonly<Record<string, Readonly<Record<string, MockedResponse>>>>
}

/** One answer: the task's result, or the error it fails with. */
export type MockedResponse =
  { readonly Return: unknown } | { readonly Throw: { readonly Error: string; readonly Cause: string } }

/** The file is not a mock configuration Step Functions Local would accept; the message names the field. */
export class InvalidMockConfig extends Error {
  override readonly name = 'InvalidMockConfig'
}

/** A Task state was reached that the test case does not mock (or mocks fewer times than it ran). */
export class MissingMock extends InvocationDefect {
  override readonly name = 'MissingMock'
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `"0"` or `"1-2"`: the invocations (0-based, retries included) a response answers. */
const parseRange = (key: string, where: string): readonly [number, number] => {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(key)
  if (!match) throw new InvalidMockConfig(`${where}: "${key}" is not an invocation number or range like "0" or "1-2"`)
  const start = Number(match[1])
  const end = match[2] === undefined ? start : Number(match[2])
  if (end < start) throw new InvalidMockConfig(`${where}: the range "${key}" ends before it starts`)
  return [start, end]
}

/** Validates a parsed mock configuration; throws InvalidMockConfig naming the first problem. */
export const parseMockConfig = (config: unknown): MockConfig => {
  if (!isObject(config)) throw new InvalidMockConfig('a mock configuration is a JSON object')
  for (const key of Object.keys(config))
    if (key !== 'StateMachines' && key !== 'MockedResponses')
      throw new InvalidMockConfig(`unknown field "${key}": a mock configuration has StateMachines and MockedResponses`)
  if (!isObject(config.StateMachines)) throw new InvalidMockConfig('StateMachines must be an object')
  if (!isObject(config.MockedResponses)) throw new InvalidMockConfig('MockedResponses must be an object')
  for (const [name, responses] of Object.entries(config.MockedResponses)) {
    const where = `MockedResponses.${name}`
    if (!isObject(responses) || Object.keys(responses).length === 0)
      throw new InvalidMockConfig(
        `${where} must be an object of responses keyed by invocation, like {"0": {"Return": ...}}`,
      )
    const ranges = Object.entries(responses).map(([key, response]) => {
      const range = parseRange(key, where)
      if (!isObject(response)) throw new InvalidMockConfig(`${where}."${key}" must be an object with Return or Throw`)
      const has = ['Return', 'Throw'].filter((field) => field in response)
      if (has.length !== 1) throw new InvalidMockConfig(`${where}."${key}" must have exactly one of Return and Throw`)
      for (const field of Object.keys(response))
        if (field !== 'Return' && field !== 'Throw')
          throw new InvalidMockConfig(`${where}."${key}": unknown field "${field}"`)
      if ('Throw' in response) {
        const thrown = response.Throw
        if (!isObject(thrown) || typeof thrown.Error !== 'string' || typeof thrown.Cause !== 'string')
          throw new InvalidMockConfig(`${where}."${key}".Throw must have an Error and a Cause, both strings`)
      }
      return range
    })
    ranges.sort((a, b) => a[0] - b[0])
    let expected = 0
    for (const [start, end] of ranges) {
      if (start !== expected)
        throw new InvalidMockConfig(
          `${where}: invocations must be numbered consecutively from 0; expected one starting at ${expected}, got ${start}`,
        )
      expected = end + 1
    }
  }
  for (const [machine, entry] of Object.entries(config.StateMachines)) {
    const where = `StateMachines.${machine}`
    if (!isObject(entry) || !isObject(entry.TestCases))
      throw new InvalidMockConfig(`${where}.TestCases must be an object`)
    for (const [testCase, states] of Object.entries(entry.TestCases)) {
      if (!isObject(states))
        throw new InvalidMockConfig(`${where}.TestCases.${testCase} must be an object of state → response`)
      for (const [state, response] of Object.entries(states)) {
        if (typeof response !== 'string')
          throw new InvalidMockConfig(`${where}.TestCases.${testCase}.${state} must name a mocked response`)
        if (!(response in config.MockedResponses))
          throw new InvalidMockConfig(
            `${where}.TestCases.${testCase}.${state} names the mocked response "${response}", which MockedResponses does not define`,
          )
      }
    }
  }
  return config as unknown as MockConfig
}

/** Picks the state machine and test case; either may be left out when the file has only one. */
export const selectTestCase = (
  config: MockConfig,
  choice: { readonly stateMachine?: string; readonly testCase?: string },
): { readonly stateMachine: string; readonly testCase: string; readonly states: Readonly<Record<string, string>> } => {
  const machines = Object.keys(config.StateMachines)
  const pick = (what: string, names: string[], wanted: string | undefined, flag: string): string => {
    if (wanted !== undefined) {
      if (!names.includes(wanted))
        throw new InvalidMockConfig(
          `no ${what} "${wanted}" in the mock configuration (it has: ${names.join(', ') || 'none'})`,
        )
      return wanted
    }
    if (names.length === 1) return names[0] as string
    throw new InvalidMockConfig(
      `the mock configuration has ${names.length} ${what}s (${names.join(', ')}): choose one with ${flag}`,
    )
  }
  const stateMachine = pick('state machine', machines, choice.stateMachine, '--state-machine')
  const cases = config.StateMachines[stateMachine]?.TestCases ?? {}
  const testCase = pick('test case', Object.keys(cases), choice.testCase, '--test-case')
  return { stateMachine, testCase, states: cases[testCase] ?? {} }
}

/**
 * An invokeTask answering from a test case: the Nth call of a state (retries and Map iterations count) gets the
 * response whose range holds N. A state the test case does not mock, or a call past its last response, rejects
 * with MissingMock, which the caller reports rather than letting a Catch see it.
 */
export const mockedInvokeTask = (
  config: MockConfig,
  states: Readonly<Record<string, string>>,
  testCase: string,
): InvokeTask => {
  const calls = new Map<string, number>()
  return async ({ stateName }) => {
    const responseName = states[stateName]
    if (responseName === undefined)
      throw new MissingMock(`the test case "${testCase}" has no mocked response for the Task state "${stateName}"`)
    const call = calls.get(stateName) ?? 0
    calls.set(stateName, call + 1)
    const responses = config.MockedResponses[responseName] ?? {}
    const entry = Object.entries(responses).find(([key]) => {
      const [start, end] = parseRange(key, responseName)
      return call >= start && call <= end
    })
    if (!entry)
      throw new MissingMock(
        `the mocked response "${responseName}" of the Task state "${stateName}" has no answer for invocation ${call} (the count starts at 0)`,
      )
    const response = entry[1]
    if ('Throw' in response) throw { error: response.Throw.Error, cause: response.Throw.Cause }
    return response.Return
  }
}
