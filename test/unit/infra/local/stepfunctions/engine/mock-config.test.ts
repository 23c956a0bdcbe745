import {
  InvalidMockConfig,
  MissingMock,
  mockedInvokeTask,
  parseMockConfig,
  selectTestCase,
} from '../../../../../../infra/local/stepfunctions/engine/mock-config'
import type { TaskInvocation } from '../../../../../../infra/local/stepfunctions/engine/types'

const config = parseMockConfig({
  StateMachines: {
    Orders: { TestCases: { Happy: { Charge: 'Charged' }, Retry: { Charge: 'FlakyCharge' } } },
    Other: { TestCases: { Only: {} } },
  },
  MockedResponses: {
    Charged: { '0': { Return: { ok: true } } },
    FlakyCharge: {
      '0': { Throw: { Error: 'Throttled', Cause: 'slow down' } },
      '1-2': { Throw: { Error: 'Timeout', Cause: 'again' } },
      '3': { Return: { ok: 'finally' } },
    },
  },
})

const call = (stateName: string) => ({ stateName }) as TaskInvocation

describe('Step Functions Local mock configuration', () => {
  it('answers each call of a state with the response whose range holds it', async () => {
    const invoke = mockedInvokeTask(
      config,
      selectTestCase(config, { stateMachine: 'Orders', testCase: 'Retry' }).states,
      'Retry',
    )
    const answers: unknown[] = []

    for (let attempt = 0; attempt < 4; attempt++)
      answers.push(await invoke(call('Charge')).catch((error: unknown) => error))

    expect(answers).toEqual([
      { error: 'Throttled', cause: 'slow down' },
      { error: 'Timeout', cause: 'again' },
      { error: 'Timeout', cause: 'again' },
      { ok: 'finally' },
    ])
  })

  it('rejects with MissingMock past the last response and for a state without a mock', async () => {
    const invoke = mockedInvokeTask(config, { Charge: 'Charged' }, 'Happy')
    await invoke(call('Charge'))

    await expect(invoke(call('Charge'))).rejects.toThrow(MissingMock)
    await expect(invoke(call('Refund'))).rejects.toThrow(
      'the test case "Happy" has no mocked response for the Task state "Refund"',
    )
  })

  it('picks the only test case, and asks for a choice when there are several', () => {
    expect(selectTestCase(config, { stateMachine: 'Other' }).testCase).toBe('Only')
    expect(() => selectTestCase(config, { stateMachine: 'Orders' })).toThrow(
      'the mock configuration has 2 test cases (Happy, Retry): choose one with --test-case',
    )
    expect(() => selectTestCase(config, {})).toThrow('choose one with --state-machine')
  })

  it.each([
    { name: 'an array', value: [], message: 'a mock configuration is a JSON object' },
    {
      name: 'an unknown top-level field',
      value: { StateMachines: {}, MockedResponses: {}, Extra: 1 },
      message: 'unknown field "Extra"',
    },
    {
      name: 'a range that ends before it starts',
      value: { StateMachines: {}, MockedResponses: { R: { '2-1': { Return: 1 } } } },
      message: 'the range "2-1" ends before it starts',
    },
    {
      name: 'a key that is not a number',
      value: { StateMachines: {}, MockedResponses: { R: { first: { Return: 1 } } } },
      message: '"first" is not an invocation number or range',
    },
  ])('refuses $name', ({ value, message }) => {
    expect(() => parseMockConfig(value)).toThrow(InvalidMockConfig)
    expect(() => parseMockConfig(value)).toThrow(message)
  })
})
