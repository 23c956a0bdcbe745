import { Guide, execute, executionInfo, single } from './support'

const page = `${Guide}/input-output-contextobject.html`

describe('context object', () => {
  it.each([
    { name: '$$.Execution.Id', path: '$$.Execution.Id', value: executionInfo.executionArn },
    { name: '$$.Execution.Name', path: '$$.Execution.Name', value: 'run-1' },
    { name: '$$.Execution.Input', path: '$$.Execution.Input', value: { in: 1 } },
    { name: '$$.Execution.RoleArn', path: '$$.Execution.RoleArn', value: executionInfo.roleArn },
    { name: '$$.Execution.StartTime', path: '$$.Execution.StartTime', value: '2026-01-01T00:00:00.000Z' },
    { name: '$$.Execution.RedriveCount', path: '$$.Execution.RedriveCount', value: 0 },
    { name: '$$.StateMachine.Id', path: '$$.StateMachine.Id', value: executionInfo.stateMachineArn },
    { name: '$$.StateMachine.Name', path: '$$.StateMachine.Name', value: 'Conformance' },
    { name: '$$.State.Name', path: '$$.State.Name', value: 'S' },
    { name: '$$.State.EnteredTime', path: '$$.State.EnteredTime', value: '2026-01-01T00:00:00.000Z' },
  ])('$name (' + page + ')', async ({ path, value }) => {
    const executed = await execute(single({ Type: 'Pass', Parameters: { 'v.$': path } }), { in: 1 })

    expect(executed.value).toEqual({ v: value })
  })

  it(`shows the whole object in AWS's key order, without RetryCount outside retrying states (observed on AWS; ${page})`, async () => {
    const executed = await execute(single({ Type: 'Pass', InputPath: '$$' }), { in: 1 })

    expect(executed.outcome.output).toBe(
      JSON.stringify({
        Execution: {
          Id: executionInfo.executionArn,
          Input: { in: 1 },
          StartTime: '2026-01-01T00:00:00.000Z',
          Name: 'run-1',
          RoleArn: executionInfo.roleArn,
          RedriveCount: 0,
        },
        StateMachine: { Id: executionInfo.stateMachineArn, Name: 'Conformance' },
        State: { Name: 'S', EnteredTime: '2026-01-01T00:00:00.000Z' },
      }),
    )
  })

  it(`gives an Express execution no RedriveCount, in AWS's Express key order (observed on AWS; ${page})`, async () => {
    const executed = await execute(
      single({ Type: 'Pass', InputPath: '$$.Execution' }),
      { in: 1 },
      {
        context: { ...executionInfo, stateMachineType: 'EXPRESS' },
      },
    )

    expect(executed.outcome.output).toBe(
      JSON.stringify({
        Id: executionInfo.executionArn,
        Input: { in: 1 },
        Name: 'run-1',
        RoleArn: executionInfo.roleArn,
        StartTime: '2026-01-01T00:00:00.000Z',
      }),
    )
  })

  it(`counts $$.State.RetryCount in a retried Task (${page})`, async () => {
    const seen: unknown[] = []
    const definition = single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'retry.$': '$$.State.RetryCount' },
      Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2 }],
    })

    await execute(
      definition,
      {},
      {
        invokeTask: async ({ input }) => {
          seen.push(input)
          if (seen.length < 3) throw { error: 'E', cause: 'again' }
          return 'ok'
        },
      },
    )

    expect(seen).toEqual([{ retry: 0 }, { retry: 1 }, { retry: 2 }])
  })

  it(`gives a .waitForTaskToken task $$.Task.Token (${Guide}/connect-to-resource.html#connect-wait-token)`, async () => {
    const definition = single({
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: { 'token.$': '$$.Task.Token' },
    })
    const tokens: unknown[] = []

    await execute(
      definition,
      {},
      {
        invokeTask: async ({ input, context }) => {
          tokens.push((input as { token: unknown }).token, context.Task?.Token)
          return 'ok'
        },
      },
    )

    expect(typeof tokens[0]).toBe('string')
    expect(tokens[0]).toBe(tokens[1])
  })

  it(`exposes the context as $states.context in JSONata (${Guide}/transforming-data.html)`, async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'S',
      States: { S: { Type: 'Pass', Output: '{% $states.context.StateMachine.Name %}', End: true } },
    }

    const executed = await execute(definition)

    expect(executed.value).toBe('Conformance')
  })
})
