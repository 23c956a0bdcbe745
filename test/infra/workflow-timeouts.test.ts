import { synthesizedPipeline } from '../support/synthesized'
import { allStates, type AslDefinition, type AslState } from '../../infra/local/model/asl'
import { localModel } from '../../infra/local/model/template'
import { WorkflowTag } from '../../contracts/executions'
import { taskWorstSeconds, worstCaseSeconds, type Definition } from './support/worst-case'

/*
 * A state machine's own timeout reaches no Catch: the execution ends TIMED_OUT, its event in no DLQ
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html; Express workflows send no
 * status change event either, https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html). So every way
 * through a workflow, each task taking its whole TimeoutSeconds on every try and every retry waiting its longest,
 * must end (succeeded, or in its dead-letter tail) before the workflow's TimeoutSeconds.
 */
describe('workflow timeouts', () => {
  const template = synthesizedPipeline()
  const model = localModel(template, WorkflowTag)
  const machines = model.stateMachines.map((machine) => [machine.workflow, machine] as const)
  // Each step's function timeout, by step name, as the template sets it.
  const timeouts = Object.fromEntries(
    model.functions.map((fn) => {
      const resource = Object.values(template.Resources).find(
        (candidate) =>
          candidate.Type === 'AWS::Lambda::Function' &&
          (candidate.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
            ?.PIPELINE_STEP === fn.step,
      )
      return [fn.step, resource?.Properties?.Timeout]
    }),
  )

  it('covers every workflow', () => {
    expect(machines.map(([workflow]) => workflow).sort()).toEqual(['change', 'image', 'import', 'maintenance', 'order'])
  })

  it.each(machines)('%s: the longest way through ends before the state machine times out', (_workflow, machine) => {
    const definition = machine.definition as unknown as Definition
    const limit = definition.TimeoutSeconds

    expect(limit).toBeDefined()
    expect(worstCaseSeconds(definition)).toBeLessThan(limit!)
  })

  it.each(machines)('%s: each Lambda task times out with its function, never after it', (_workflow, machine) => {
    const tasks = allStates(machine.definition as unknown as AslDefinition) as ReadonlyArray<
      [
        string,
        AslState & { readonly Parameters?: { readonly FunctionName?: string }; readonly TimeoutSeconds?: number },
      ]
    >
    expect(tasks.length).toBeGreaterThan(0)
    for (const [, state] of tasks) {
      const parameters = state.Parameters
      const fn = model.functions.find((candidate) => candidate.arn === parameters?.FunctionName)
      if (state.Type !== 'Task' || !fn) continue
      expect({ task: state.TimeoutSeconds, function: timeouts[fn.step] }).toEqual({
        task: timeouts[fn.step],
        function: timeouts[fn.step],
      })
    }
  })

  // The review's case: the import step (15 minutes) tried four times could never end inside the old 30 minutes.
  it('counts every try of a task: the retries of a 15-minute step, with their waits', () => {
    const fifteenMinutes = {
      Type: 'Task',
      TimeoutSeconds: 900,
      Retry: [
        { ErrorEquals: ['TransientError'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3, MaxDelaySeconds: 2 },
      ],
    }
    expect(taskWorstSeconds(fifteenMinutes, 'ImportOrders')).toBe(4 * 900 + (1 + 2 + 2))
    expect(
      worstCaseSeconds({
        StartAt: 'ImportOrders',
        TimeoutSeconds: 1800,
        States: { ImportOrders: { ...fifteenMinutes, End: true } },
      }),
    ).toBeGreaterThan(1800)
  })
})
