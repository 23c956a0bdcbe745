import { Guide, execute, executionInfo, runCase, running, single, type Case } from './support'

const page = `${Guide}/input-output-contextobject.html`

describe('context object', () => {
  it.each(
    [
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
    ].map((row) => ({ ...row, doc: page })),
  )('$name', async ({ path, value }) => {
    const executed = await execute(single({ Type: 'Pass', Parameters: { 'v.$': path } }), { in: 1 })

    expect(executed.value).toEqual({ v: value })
  })

  it.each<Case>([
    {
      name: "shows the whole object in AWS's key order, without RetryCount outside retrying states",
      doc: page,
      note: 'key order and RetryCount observed on AWS',
      act: running(single({ Type: 'Pass', InputPath: '$$' }), { in: 1 }),
      assess: ({ outcome }) =>
        expect(outcome.output).toBe(
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
        ),
    },
    {
      name: "gives an Express execution no RedriveCount, in AWS's Express key order",
      doc: page,
      note: 'observed on AWS',
      act: running(
        single({ Type: 'Pass', InputPath: '$$.Execution' }),
        { in: 1 },
        {
          context: { ...executionInfo, stateMachineType: 'EXPRESS' },
        },
      ),
      assess: ({ outcome }) =>
        expect(outcome.output).toBe(
          JSON.stringify({
            Id: executionInfo.executionArn,
            Input: { in: 1 },
            Name: 'run-1',
            RoleArn: executionInfo.roleArn,
            StartTime: '2026-01-01T00:00:00.000Z',
          }),
        ),
    },
    {
      name: 'exposes the context as $states.context in JSONata',
      doc: `${Guide}/transforming-data.html`,
      act: running({
        QueryLanguage: 'JSONata',
        StartAt: 'S',
        States: { S: { Type: 'Pass', Output: '{% $states.context.StateMachine.Name %}', End: true } },
      }),
      assess: ({ value }) => expect(value).toBe('Conformance'),
    },
  ])('$name', runCase)

  it.each<Case<unknown[]>>([
    {
      name: 'counts $$.State.RetryCount in a retried Task',
      doc: page,
      act: async () => {
        const seen: unknown[] = []
        await execute(
          single({
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { 'retry.$': '$$.State.RetryCount' },
            Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2 }],
          }),
          {},
          {
            invokeTask: async ({ input }) => {
              seen.push(input)
              if (seen.length < 3) throw { error: 'E', cause: 'again' }
              return 'ok'
            },
          },
        )
        return seen
      },
      assess: (seen) => expect(seen).toEqual([{ retry: 0 }, { retry: 1 }, { retry: 2 }]),
    },
    {
      name: 'gives a .waitForTaskToken task $$.Task.Token, in its Parameters and its context alike',
      doc: `${Guide}/connect-to-resource.html#connect-wait-token`,
      act: async () => {
        const tokens: unknown[] = []
        await execute(
          single({
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: { 'token.$': '$$.Task.Token' },
          }),
          {},
          {
            invokeTask: async ({ input, context }) => {
              tokens.push((input as { token: unknown }).token, context.Task?.Token)
              return 'ok'
            },
          },
        )
        return tokens
      },
      assess: ([fromParameters, fromContext]) => {
        expect(typeof fromParameters).toBe('string')
        expect(fromParameters).toBe(fromContext)
      },
    },
  ])('$name', runCase)
})
