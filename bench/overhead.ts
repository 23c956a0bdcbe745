import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Effect, Layer, ManagedRuntime, Schema } from 'effect'
import { synthesizePipeline } from '../infra/aws/synth'
import { LocalBus } from '../infra/local/eventbridge/bus'
import { openDatabase, transaction } from '../infra/local/kernel/db'
import { Executor } from '../infra/local/stepfunctions/executor'
import { runExecution, type InvokeTask } from '../infra/local/stepfunctions/engine'
import { taskInvoker, type Integrations } from '../infra/local/stepfunctions/integrations'
import { localModel, type LocalModel, type LocalStateMachine } from '../infra/local/model/template'
import { defineStep, invokeStep } from '../steps/kit/step'
import { WorkflowTag } from '../contracts/executions'
import { median, round } from './support/stats'

/**
 * Runtime overhead: the order workflow's synthesized ASL with every Lambda task a step that does nothing, run by the
 * bare ASL engine and then by the local runtime's parts added one at a time, each layer in the same process and run:
 * the difference between two consecutive layers is what the added part costs. Executions run one at a time, so each
 * figure is the latency of one execution, not a throughput.
 *
 *   bare          runExecution, no history, with an invokeTask that hands the payload back
 *   +lambda JSON  the runtime's task integrations (dispatch on Resource, a fair slice per task) and the Lambda
 *                 boundary's JSON round trips (payload in, response out), as runtime.ts does
 *   +step         the step invocation: input decoded with the step's Schema, run on an Effect ManagedRuntime
 *   +persistence  the Executor: the execution row (PENDING, RUNNING, final status), its history, in SQLite (WAL)
 *   +bus          started by PutEvents: the event logged, the rule matched, the execution enqueued in that transaction
 */
export interface OverheadLayer {
  readonly layer: string
  readonly msPerExecution: number
  /** Over the previous layer. */
  readonly addedMs: number
}

export interface OverheadResult {
  readonly workflow: string
  readonly tasks: number
  readonly executions: number
  readonly layers: ReadonlyArray<OverheadLayer>
  readonly ratio: number
}

const NoopStep = defineStep({ name: 'noop', input: Schema.Unknown, run: (input: unknown) => Effect.succeed(input) })

/** What the Executor tells the engine of every run; the workflow reads `$$.Execution.Id`. */
const contextFor = (machine: LocalStateMachine, n: number) => ({
  executionArn: `${machine.arn.replace(':stateMachine:', ':execution:')}:bench-${n}`,
  executionName: `bench-${n}`,
  stateMachineArn: machine.arn,
  stateMachineName: machine.name,
  roleArn: `arn:aws:iam::000000000000:role/${machine.name}Role`,
  startTime: new Date(),
  stateMachineType: machine.type,
})

const placedEvent = (n: number) => ({
  version: '0',
  id: `bench-${n}`,
  'detail-type': 'OrderPlaced',
  source: 'bench.orders',
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: [],
  detail: {
    orderId: `ord_bench${n}`,
    customerId: 'usr_bench',
    items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 12.5 }],
    totalAmount: 25,
    currency: 'EUR',
    origin: 'api',
    placedAt: new Date().toISOString(),
  },
})

/** Mean ms per execution of `count` executions run one after another, after `count / 10` not counted. */
const perExecution = async (count: number, runOne: (n: number) => Promise<void>): Promise<number> => {
  for (let n = 0; n < Math.ceil(count / 10); n++) await runOne(-n - 1)
  const started = performance.now()
  for (let n = 0; n < count; n++) await runOne(n)
  return (performance.now() - started) / count
}

export const benchOverhead = async (
  options: { quick: boolean },
  log: (line: string) => void,
): Promise<OverheadResult> => {
  const count = options.quick ? 150 : 500
  const model = localModel(synthesizePipeline(), WorkflowTag)
  const machine = model.stateMachines.find((candidate) => candidate.workflow === 'order')
  if (!machine) throw new Error('the synthesized app has no order workflow')
  const definition = machine.definition
  const tasks = Object.values((definition as { States: Record<string, { Type: string }> }).States).filter(
    (state) => state.Type === 'Task',
  ).length
  const failUnused = () => {
    throw new Error('a no-op workflow took a failure path')
  }

  /** One execution on the engine alone, its tasks answered by `invokeTask`; a no-op run must succeed. */
  const onEngine = (invokeTask: InvokeTask) => async (n: number) => {
    const outcome = await runExecution({
      definition,
      input: JSON.stringify(placedEvent(n)),
      context: contextFor(machine, n),
      invokeTask,
    })
    if (outcome.status !== 'SUCCEEDED') throw new Error(`a no-op execution ended ${outcome.status}: ${outcome.cause}`)
  }
  const run = async (integrations: Integrations) => onEngine(taskInvoker(definition, integrations))
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
  const stepRuntime = ManagedRuntime.make(Layer.empty)
  const withJson: Integrations = {
    invokeFunction: async (_name, payload) => roundTrip(roundTrip(payload)),
    sendMessage: failUnused,
    putEvents: failUnused,
  }
  const withStep: Integrations = {
    ...withJson,
    invokeFunction: async (_name, payload) => roundTrip(await invokeStep(NoopStep, stepRuntime, roundTrip(payload))),
  }

  const bareTask: InvokeTask = async ({ input }) => ({
    Payload: (input as { Payload?: unknown }).Payload ?? {},
    StatusCode: 200,
  })

  const dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-overhead-'))
  const db = openDatabase(dataDir)
  try {
    const executor = new Executor(db, [machine], withStep, { concurrency: 1 })
    const busModel = {
      buses: [{ name: 'bench', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/bench' }],
      archives: [],
      rules: [
        {
          name: 'bench',
          bus: 'bench',
          pattern: { source: ['bench.orders'] },
          targets: [{ id: 'workflow', arn: machine.arn, maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 }],
        },
      ],
    } as unknown as LocalModel
    const bus = new LocalBus(db, busModel, {
      startExecution: (arn, event) => {
        executor.enqueue(arn, event, event.id)
      },
      sendToQueue: failUnused,
    })

    const runners: Array<[string, (n: number) => Promise<void>]> = [
      ['bare engine', onEngine(bareTask)],
      ['+ Lambda JSON round trips', await run(withJson)],
      ['+ step invocation (Schema, Effect runtime)', await run(withStep)],
      [
        '+ persistence (execution rows, history)',
        async (n) => {
          transaction(db, () => executor.enqueue(machine.arn, placedEvent(n)))
          await executor.idle()
        },
      ],
      [
        '+ bus (PutEvents, event log, rule)',
        async (n) => {
          const { detail, source } = placedEvent(n)
          bus.putEvents([
            {
              EventBusName: 'bench',
              Source: source,
              DetailType: 'OrderPlaced',
              Detail: JSON.stringify(detail),
              Resources: [],
            },
          ])
          await executor.idle()
        },
      ],
    ]
    // Rounds, each running every layer in turn, and the median round per layer: a busy moment on the machine, or
    // the JIT still warming up, lands on one round of every layer instead of on one layer.
    const rounds = 5
    const samples = runners.map((): number[] => [])
    for (let r = 0; r < rounds; r++)
      for (const [i, [, runOne]] of runners.entries())
        samples[i]!.push(await perExecution(Math.ceil(count / rounds), runOne))
    const measured = runners.map(([layer], i): [string, number] => [layer, median(samples[i]!)])
    const failed = db.prepare("SELECT COUNT(*) AS n FROM executions WHERE status <> 'SUCCEEDED'").get() as { n: number }
    if (failed.n > 0) throw new Error(`${failed.n} no-op executions did not succeed`)
    await executor.stop(1000)
    const layers = measured.map(([layer, ms], i): OverheadLayer => ({
      layer,
      msPerExecution: round(ms, 3),
      addedMs: round(i === 0 ? 0 : ms - measured[i - 1]![1], 3),
    }))
    for (const layer of layers)
      log(`  ${layer.layer.padEnd(44)} ${layer.msPerExecution.toFixed(3)} ms/execution (+${layer.addedMs.toFixed(3)})`)
    await stepRuntime.dispose()
    return {
      workflow: machine.workflow,
      tasks,
      executions: count,
      layers,
      ratio: round(measured.at(-1)![1] / measured[0]![1], 2),
    }
  } finally {
    db.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  benchOverhead({ quick: process.argv.includes('--quick') }, console.log).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
