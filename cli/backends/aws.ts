import type { Backend } from './backend'
import { DeadLetters } from '../../infra/aws/client/dlq'
import { awsContext, type AwsContext, type AwsSettings } from '../../infra/aws/client/context'
import { getExecution, listExecutions } from '../../infra/aws/client/executions'
import { ImageWaiter, uploadObject } from '../../infra/aws/client/images'
import { redriveExecution } from '../../infra/aws/client/redrive'
import { Replays } from '../../infra/aws/client/replays'

export type { AwsSettings } from '../../infra/aws/client/context'

/**
 * The AWS target: the same operations as the local runtime's HTTP API, on the deployed stack (`--stack`, default
 * Pipeline) through the AWS APIs, with the credentials of `--profile` in `--region`. The stack's outputs and resources
 * say where everything is (bucket, bus, state machines, dead-letter queues). Nothing is sent before a command asks.
 */
export const awsBackend = (settings: AwsSettings, aws: AwsContext = awsContext(settings)): Backend => {
  const images = new ImageWaiter(aws)
  const replays = new Replays(aws)
  const deadLetters = new DeadLetters(aws)
  return {
    target: 'aws',
    replayPollMs: aws.pollMs * 2,
    upload: (key, bytes, contentType) => uploadObject(aws, key, bytes, contentType),
    waitForImage: (upload, options) => images.wait(upload, options),
    listExecutions: (filter) => listExecutions(aws, filter),
    getExecution: (id) => getExecution(aws, id),
    startReplay: (request) => replays.start(request),
    getReplay: (name) => replays.get(name),
    listReplays: () => replays.list(),
    cancelReplay: (name) => replays.cancel(name),
    listDlq: () => deadLetters.list(),
    redriveDlq: async (queue) =>
      deadLetters.redrive(
        queue === undefined ? await aws.stack.deadLetterQueues() : [await aws.stack.pickQueue(queue)],
      ),
    redriveExecution: (id) => redriveExecution(aws, id),
    // CloudWatch's client loads only for `metrics`: every other command would pay for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load (see above)
    metrics: (window) => (require('./aws-metrics') as typeof import('./aws-metrics')).stackMetrics(aws, window),
  }
}
