import { runExecution, type HistoryEvent } from '../infra/local/stepfunctions/engine'
import { median, round } from './support/stats'

/**
 * The project's ASL engine on its own, on a definition shaped as this project's workflows write them
 * (workflows/tasks.ts): five Lambda Task states (Payload from a path, ResultSelector on the Payload, a ResultPath, a
 * Retry and a Catch), each task a no-op that hands its payload back. Executions run one at a time, so each figure is
 * one execution's latency; with and without its history kept, interleaved in rounds so drift and GC fall on both alike.
 * aws-local-stepfunctions, which the runtime ran before the engine, is no longer a dependency: its last figures on this
 * benchmark, side by side with the engine's, are in bench/README.md with the commit they were measured at.
 *
 *   npx tsx bench/sfn-engine.ts            2,000 executions each
 *   npx tsx bench/sfn-engine.ts --quick    300 each
 */
const taskNames = ['Validate', 'Resize', 'Persist', 'Index', 'Notify']

const definition = {
  StartAt: 'KeepEvent',
  States: {
    KeepEvent: { Type: 'Pass', Parameters: { 'event.$': '$' }, Next: taskNames[0] },
    ...Object.fromEntries(
      taskNames.map((name, index) => [
        name,
        {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
            'Payload.$': index === 0 ? '$.event' : `$.${taskNames[index - 1]?.toLowerCase()}.value`,
          },
          ResultSelector: { 'value.$': '$.Payload' },
          ResultPath: `$.${name.toLowerCase()}`,
          Retry: [
            {
              ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'],
              IntervalSeconds: 2,
              MaxAttempts: 6,
              BackoffRate: 2,
              JitterStrategy: 'FULL',
            },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
          ...(index === taskNames.length - 1 ? { Next: 'Done' } : { Next: taskNames[index + 1] }),
        },
      ]),
    ),
    Done: { Type: 'Succeed', OutputPath: '$.notify.value' },
    Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  },
}

const input = { key: 'uploads/cat.jpg', size: 2048, etag: 'abc', renditions: ['thumbnail', 'web'] }

const context = (n: number) => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:Bench:run-${n}`,
  executionName: `run-${n}`,
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Bench',
  stateMachineName: 'Bench',
  roleArn: 'arn:aws:iam::123456789012:role/Bench',
  startTime: new Date(),
})

const noopTask = async ({ input: payload }: { input: unknown }) => ({
  Payload: (payload as { Payload?: unknown }).Payload,
  StatusCode: 200,
})

const runners: Record<string, (n: number) => Promise<unknown>> = {
  'engine, no history': (n) =>
    runExecution({ definition, input: JSON.stringify(input), context: context(n), invokeTask: noopTask }),
  'engine, history kept': (n) => {
    const history: HistoryEvent[] = []
    return runExecution({
      definition,
      input: JSON.stringify(input),
      context: context(n),
      invokeTask: noopTask,
      onEvent: (event) => history.push(event),
    })
  },
}

const main = async () => {
  const quick = process.argv.includes('--quick')
  const perRunner = quick ? 300 : 2000
  const rounds = 10
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((name) => [name, []]))
  // The output AWS gives for this definition and input: the last task's payload, which is the input handed along.
  const outcome = await runExecution({
    definition,
    input: JSON.stringify(input),
    context: context(0),
    invokeTask: noopTask,
  })
  if (outcome.output !== JSON.stringify(input)) throw new Error(`unexpected output: ${outcome.output}`)
  for (const run of Object.values(runners)) for (let n = 0; n < 200; n++) await run(n)
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(runners)) {
      for (let n = 0; n < perRunner / rounds; n++) {
        const started = performance.now()
        await run(n)
        samples[name]?.push(performance.now() - started)
      }
    }
  }
  console.log(`5 Task states, no-op tasks, ${perRunner} executions each, one at a time (median ms per execution):`)
  for (const [name, values] of Object.entries(samples))
    console.log(`  ${name.padEnd(24)} ${round(median(values), 3).toFixed(3)} ms`)
  console.log('  (aws-local-stepfunctions 3.0.0, last measured side by side: bench/README.md)')
  console.log('Rerun: npx tsx bench/sfn-engine.ts [--quick]')
}

void main()
