import type { Backend, MetricsWindow } from './backend'
import type { Replay } from '../../contracts/replays'
import { DeadLetters } from '../../infra/aws/client/dlq'
import { awsContext, type AwsContext, type AwsSettings } from '../../infra/aws/client/context'
import { getExecution, listExecutions } from '../../infra/aws/client/executions'
import { ImageWaiter, uploadObject } from '../../infra/aws/client/images'
import { redriveExecution } from '../../infra/aws/client/redrive'
import { Replays } from '../../infra/aws/client/replays'
import { consoleContextOver } from '../../infra/aws/console/context'
import { AwsExtras } from '../../infra/aws/console/extras'
import { StackMap } from '../../infra/aws/console/stack-map'
import type { PipelineExtras, ReplayCounts } from '../../infra/console/extras'
import { HttpError, UsageError } from '../errors'

export type { AwsSettings } from '../../infra/aws/client/context'

/**
 * The one implementation of the commands' operations: the AWS APIs of a stack, found through its outputs and
 * resources (CloudFormation). With `--target aws`, the deployed stack (`--stack`, default Pipeline) with the
 * credentials of `--profile` in `--region`; with `--target local`, the local runtime's own endpoint, which answers the
 * same APIs. What AWS has no API for (Express workflows' executions, metrics, replayed event counts) comes from
 * `extras`: the deployed stack's (CloudWatch for metrics, none of the rest) unless the local runtime's are given.
 * Nothing is sent before a command asks.
 */
export const awsBackend = (
  settings: AwsSettings,
  localExtras?: PipelineExtras,
  aws: AwsContext = awsContext(settings),
): Backend => {
  const images = new ImageWaiter(aws)
  const replays = new Replays(aws)
  const deadLetters = new DeadLetters(aws)
  let stackExtras: PipelineExtras | undefined
  const extras = (): PipelineExtras =>
    localExtras ?? (stackExtras ??= new AwsExtras(consoleContextOver(aws), new StackMap(consoleContextOver(aws))))
  const target = localExtras?.target ?? 'aws'
  /** A replay with the events it re-delivered, where the target counts them. */
  const counted = async <R extends Replay>(replay: R, counts?: ReadonlyMap<string, ReplayCounts>): Promise<R> => {
    const count = (counts ?? (await extras().replayCounts())).get(replay.name)
    return count ? { ...replay, total: count.total, replayed: count.replayed } : replay
  }
  return {
    target,
    // The local runtime replays in moments; EventBridge takes minutes.
    replayPollMs: target === 'local' ? aws.pollMs : aws.pollMs * 2,
    upload: (key, bytes, contentType) => uploadObject(aws, key, bytes, contentType),
    waitForImage: (upload, options) => images.wait(upload, options),
    listExecutions: (filter) => listExecutions(aws, filter, extras()),
    getExecution: (id) => getExecution(aws, id, extras()),
    startReplay: async (request) => counted(await replays.start(request)),
    getReplay: async (name) => counted(await replays.get(name)),
    listReplays: async () => {
      const [{ replays: listed }, counts] = await Promise.all([replays.list(), extras().replayCounts()])
      return { replays: await Promise.all(listed.map((replay) => counted(replay, counts))) }
    },
    cancelReplay: async (name) => counted(await replays.cancel(name)),
    listDlq: () => deadLetters.list(),
    redriveDlq: async (queue) =>
      deadLetters.redrive(
        queue === undefined ? await aws.stack.deadLetterQueues() : [await aws.stack.pickQueue(queue)],
      ),
    redriveExecution: (id) => redriveExecution(aws, id),
    metrics: async (window: MetricsWindow) => {
      try {
        return await extras().metrics({
          ...(window.from === undefined ? {} : { from: window.from }),
          ...(window.to === undefined ? {} : { to: window.to }),
        })
      } catch (error) {
        // A window the target refuses is the command line's fault.
        if (error instanceof HttpError && error.status === 400) throw new UsageError(error.message)
        throw error
      }
    },
  }
}
