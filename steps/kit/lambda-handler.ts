import { Logger } from '@aws-lambda-powertools/logger'
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { Tracer } from '@aws-lambda-powertools/tracer'
import type { Context as LambdaContext } from 'aws-lambda'
import { ManagedRuntime, type Layer } from 'effect'
import { invokeStep, StepError, type Step } from './step'

/**
 * Turns a step into a Lambda handler. Built once per cold start: the Effect runtime over the AWS layer and
 * Powertools' tracer, logger and metrics. Each invocation decodes, runs and returns plain JSON; a failure is
 * thrown as an `Error` named after its `_tag`, which Lambda reports as `errorType` and Step Functions matches.
 * The layer must provide every service the step's program uses (tsc checks it), and may provide more.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const lambdaStep = <R>(step: Step<any, any, any, any, R>, layer: Layer.Layer<NoInfer<R>, never, never>) => {
  const runtime = ManagedRuntime.make(layer)
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? step.name })
  const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? step.name })
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Pipeline',
    serviceName: step.name,
  })

  return async (event: unknown, context: LambdaContext): Promise<unknown> => {
    logger.addContext(context)
    metrics.captureColdStartMetric()
    const parent = tracer.getSegment()
    const segment = parent?.addNewSubsegment(`## ${step.name}`)
    if (segment) tracer.setSegment(segment)
    tracer.putAnnotation('step', step.name)
    try {
      return await invokeStep(step, runtime, event)
    } catch (error) {
      const failure = error instanceof StepError ? error : new StepError('Error', String(error))
      // Successes are Lambda's own Invocations less Errors: an EMF line per success would be a log line per invocation.
      metrics.addMetric('StepFailed', MetricUnit.Count, 1)
      metrics.publishStoredMetrics()
      logger.warn('step failed', { errorType: failure.name, errorMessage: failure.message })
      if (segment) segment.addError(failure)
      throw failure
    } finally {
      segment?.close()
      if (parent) tracer.setSegment(parent)
    }
  }
}
