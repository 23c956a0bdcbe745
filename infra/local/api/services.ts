import type { LocalRuntime } from '../runtime'
import type { AwsServiceHandler } from './aws-api'
import type { AwsService } from './identify'
import { sqsService } from './sqs'
import { eventBridgeService } from './eventbridge'
import { cloudFormationService } from './cloudformation'

export interface AwsApiOptions {
  /** The largest object a PutObject or an upload part takes: MAX_UPLOAD_BYTES, the same limit as every way in. */
  readonly maxUploadBytes: number
}

/** The AWS APIs the local runtime answers on its endpoint, each over the runtime's own services. */
export const awsServices = (
  runtime: LocalRuntime,
  _options: AwsApiOptions,
): Partial<Record<AwsService, AwsServiceHandler>> => ({
  sqs: sqsService(runtime),
  events: eventBridgeService(runtime),
  cloudformation: cloudFormationService(runtime),
})
