import * as path from 'node:path'
import { ManagedRuntime } from 'effect'
import type { PipelineConfigShape } from '../../steps/services/config'
import { stepsByName } from '../../steps/kit/registry'
import { invokeStep, StepError } from '../../steps/kit/step'
import type { CfnTemplate } from '../aws/synth'
import { WorkflowTag } from '../../contracts/executions'
import { LocalBus } from './eventbridge/bus'
import { databaseFile, openDatabase } from './kernel/db'
import { startCheckpointer } from './kernel/checkpointer'
import { answersInFlight } from './kernel/fair-share'
import { executionIndexer } from './stepfunctions/execution-search'
import { commitGroup } from './kernel/group-commit'
import { ApiStateMachines } from './stepfunctions/api-state-machines'
import { Executor, validateStateMachines } from './stepfunctions/executor'
import { executionStatusChange } from './stepfunctions/status-events'
import { LocalLive } from './layers/local-live'
import { startPollers, validateFilters } from './lambda/pollers'
import { LocalScheduler } from './eventbridge/scheduler'
import { LocalTables } from './dynamodb/tables'
import { deleteExpiredItems } from './dynamodb/ttl'
import { StepNames } from '../../steps/kit/catalog'
import { LocalObjectStore } from './s3/object-store'
import { LocalQueues } from './sqs/queues'
import { Replayer } from './eventbridge/replays'
import { purgeExpiredArchive } from './eventbridge/archive'
import { synthesizeApart } from './model/synthesize'
import { localModel, type LocalModel } from './model/template'
import { UploadsPrefix } from '../../contracts/sources'
import { InvocationRecorder } from './lambda/invocation-metrics'
import { DeadLetters } from './sqs/dead-letters'
import { FaultInjector, injectedBusFault, injectedStepFault, type FaultPlan } from './lambda/faults'

export interface RuntimeOptions {
  readonly dataDir: string
  readonly config: PipelineConfigShape
  /** Executions run at once; sharp uses every core for one image already. */
  readonly concurrency?: number
  /** A template `cdk synth` wrote, run instead of synthesizing the CDK app at start (PIPELINE_TEMPLATE). */
  readonly template?: CfnTemplate
  /** A model to run instead of synthesizing the CDK app (tests that check one definition in isolation). */
  readonly model?: LocalModel
  /** The first delay before a rule target is retried (EventBridge-style backoff doubles it); default one second. */
  readonly targetRetryBaseMs?: number
  /** Overrides every queue's visibility timeout (tests that redrive a poison message in milliseconds, not minutes). */
  readonly queueVisibilityMs?: number
  /** Transient failures to inject (PIPELINE_FAULTS): see `faults.ts`. */
  readonly faults?: FaultPlan
  /** Shrinks every retry wait, the workflows' and the bus's (PIPELINE_RETRY_SCALE, in (0, 1]). */
  readonly retryScale?: number
}

/** Lambda reports a thrown error as `{errorType, errorMessage, trace}`; a task failure carries that JSON as its Cause. */
const lambdaFailure = (error: unknown): Error => {
  const stepError =
    error instanceof StepError
      ? error
      : new StepError(
          error instanceof Error ? error.name : 'Error',
          error instanceof Error ? error.message : String(error),
        )
  const failure = new Error(stepError.lambdaCause)
  failure.name = stepError.name
  return failure
}

/**
 * The embedded runtime: synthesizes the CDK app (in a child process, unless given its template or model), reads buses, rules, archives, queues, buckets, functions and
 * state machines from the template, and serves them from one SQLite file and a folder of objects.
 */
export const startRuntime = (options: RuntimeOptions) => {
  const model = options.model ?? localModel(options.template ?? synthesizeApart(), WorkflowTag)
  // What AWS refuses at deployment stops the runtime before anything opens: a filter a pipe cannot take, or a
  // definition the runtime cannot run (naming the state machine and the state).
  validateFilters(model)
  validateStateMachines(model.stateMachines)
  const db = openDatabase(options.dataDir)
  const checkpointer = startCheckpointer(db, databaseFile(options.dataDir))
  const queues = new LocalQueues(db, model, options.queueVisibilityMs)
  const tables = new LocalTables(db, model)
  const faults = options.faults ? new FaultInjector(options.faults) : undefined
  const bus = new LocalBus(
    db,
    model,
    {
      // The bus only calls targets after start-up, once `executor` below exists.
      startExecution: (arn, event) => {
        if (faults?.draw('bus')) throw injectedBusFault(arn)
        executor.enqueue(arn, event, event.id)
      },
      sendToQueue: (arn, body) => {
        queues.send(arn, body)
      },
    },
    { baseDelayMs: (options.targetRetryBaseMs ?? 1000) * (options.retryScale ?? 1) },
  )
  const replayer = new Replayer(db, bus)
  const store = new LocalObjectStore(db, path.join(options.dataDir, 'objects'), model, bus)
  const setting = (name: string) => model.functions.find((fn) => fn.environment[name])?.environment[name]
  const uploadBucket = setting('BUCKET_NAME') ?? model.buckets[0]?.name ?? 'uploads'
  const tableNames = {
    orders: setting('ORDERS_TABLE') ?? 'Orders',
    users: setting('USERS_TABLE') ?? 'Users',
    state: setting('STATE_TABLE') ?? 'State',
  }
  // The HTTP server says where it listens once it does (`setPublicUrl`); links to objects point there.
  let publicUrl = 'http://127.0.0.1:3000'
  const runtime = ManagedRuntime.make(
    LocalLive({
      db,
      store,
      bucket: uploadBucket,
      bus,
      queues,
      tables,
      tableNames,
      // The steps put on the bus the template names, as each function's EVENT_BUS_NAME does on AWS.
      config: { ...options.config, busName: setting('EVENT_BUS_NAME') ?? options.config.busName },
      publicUrl: () => publicUrl,
    }),
  )

  const functions = new Map(
    model.functions.flatMap(
      (fn) =>
        [
          [fn.arn, fn.step],
          [fn.name, fn.step],
        ] as const,
    ),
  )
  const functionNames = new Map(
    model.functions.flatMap(
      (fn) =>
        [
          [fn.arn, fn.name],
          [fn.name, fn.name],
        ] as const,
    ),
  )
  const invocations = new InvocationRecorder(db)
  const invokeFunction = async (nameOrArn: string, payload: unknown) => {
    const stepName = functions.get(nameOrArn)
    const step = stepName ? stepsByName.get(stepName) : undefined
    if (!step)
      throw Object.assign(new Error(`Function not found: ${nameOrArn}`), { name: 'Lambda.ResourceNotFoundException' })
    return invocations.measure(functionNames.get(nameOrArn) ?? nameOrArn, () => invokeMeasured(step, payload))
  }
  const invokeMeasured = async (step: NonNullable<ReturnType<typeof stepsByName.get>>, payload: unknown) => {
    try {
      const fault = faults?.draw(step.name)
      if (fault === 'before') throw injectedStepFault(step.name, fault)
      // A JSON round trip at the boundary, as Lambda serializes the payload and the response.
      const output = await invokeStep(step, runtime, JSON.parse(JSON.stringify(payload)))
      if (fault === 'after') throw injectedStepFault(step.name, fault)
      return output
    } catch (error) {
      throw lambdaFailure(error)
    }
  }
  const apiStateMachines = new ApiStateMachines(db)
  const executor: Executor = new Executor(
    db,
    [...model.stateMachines, ...apiStateMachines.all()],
    {
      invokeFunction,
      sendMessage: (queueUrl, body) => queues.send(queueUrl, body),
      putEvents: (entries) => bus.putEvents(entries),
    },
    {
      concurrency: options.concurrency ?? 2,
      ...(options.retryScale ? { retryScale: options.retryScale } : {}),
      // Standard workflows announce how each execution ended on the default bus (timeouts and aborts included, which
      // no catch sees); Express workflows do not (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html).
      onExecutionEnded: (execution) => {
        if (executor.stateMachines.find((machine) => machine.arn === execution.state_machine)?.type === 'STANDARD')
          bus.publishServiceEvent('default', executionStatusChange(execution))
      },
    },
  )

  const recovered = executor.recover()
  const deadLetters = new DeadLetters(
    db,
    queues,
    {
      startExecution: (arn, input, eventId) => executor.enqueue(arn, input, eventId),
      wake: () => executor.wake(),
      get busNames() {
        return bus.busNames
      },
      publishServiceEvent: (name, event) => bus.publishServiceEvent(name, event),
    },
    model,
  )
  replayer.resume()
  const pollers = startPollers({
    mappings: model.eventSourceMappings ?? [],
    pipes: model.pipes ?? [],
    db,
    bus,
    queues,
    tables,
    invoke: invokeFunction,
  })
  const scheduler = new LocalScheduler(model.schedules ?? [], (targetArn, input) => executor.enqueue(targetArn, input))
  scheduler.begin()
  purgeExpiredArchive(db, bus.archiveList)
  // Background work: the bus's target retries and the execution search index every quarter second; archive retention and TTL hourly.
  const indexer = executionIndexer(db, () => {
    const { pending, running } = executor.unfinished()
    return pending + running > 0 || answersInFlight() > 0
  })
  const timers = [
    setInterval(() => bus.retryDueDeliveries(), 250),
    setInterval(() => void indexer.drain(), 250),
    setInterval(() => deadLetters.settle(), 250),
    setInterval(() => purgeExpiredArchive(db, bus.archiveList), 3_600_000),
    setInterval(() => invocations.purge(), 3_600_000),
    setInterval(() => deleteExpiredItems(db), 3_600_000),
  ]
  for (const timer of timers) timer.unref()

  return {
    model,
    db,
    bus,
    store,
    queues,
    executor,
    apiStateMachines,
    replayer,
    tables,
    scheduler,
    deadLetters,
    invocations,
    /**
     * True when nothing is left to do: no execution pending or running, no message waiting on a queue a function
     * reads, no stream record a pipe has not taken, no target delivery waiting for a retry.
     */
    isQuiet(): boolean {
      const busy = (sql: string, ...values: Array<string | number>) =>
        (db.prepare(sql).get(...values) as { n: number }).n > 0
      const { pending, running } = executor.unfinished()
      if (pending + running > 0) return false
      if (busy('SELECT COUNT(*) AS n FROM deliveries')) return false
      if (deadLetters.settle() > 0) return false
      for (const mapping of model.eventSourceMappings ?? [])
        if (mapping.sourceArn.startsWith('arn:aws:sqs:') && queues.count(mapping.sourceArn) > 0) return false
      for (const pipe of model.pipes ?? []) {
        if (
          busy(
            'SELECT COUNT(*) AS n FROM stream_records WHERE stream_arn = ? AND seq > COALESCE((SELECT position FROM stream_positions WHERE consumer = ?), 0)',
            pipe.sourceArn,
            pipe.name,
          )
        )
          return false
      }
      return true
    },
    /** Invokes a step as its function would be invoked (the HTTP API's routes go through it). */
    invokeFunction,
    apiFunction: model.functions.find((fn) => fn.step === StepNames.httpApi)?.name,
    /** The function behind `GET /search` and `GET /images/{key}`, as on AWS. */
    searchFunction: model.functions.find((fn) => fn.step === StepNames.searchApi)?.name,
    /** Where the HTTP server listens, for the links to objects the search API hands out. */
    setPublicUrl(url: string) {
      publicUrl = url
    },
    uploadBucket,
    uploadsPrefix: UploadsPrefix,
    recovered,
    /** The fault injector when PIPELINE_FAULTS is set, with its counts of injected faults. */
    faults,
    /** Stops taking work, lets running executions finish for `graceMs`, then closes the database. */
    async stop(graceMs = 5000) {
      for (const timer of timers) clearInterval(timer)
      scheduler.stop()
      await pollers.stop()
      await replayer.stop()
      await executor.stop(graceMs)
      invocations.flush()
      await runtime.dispose()
      commitGroup(db)
      await checkpointer.stop()
      db.close()
    },
  }
}

export type LocalRuntime = ReturnType<typeof startRuntime>
