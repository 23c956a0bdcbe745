import type { LocalRuntime } from '../runtime'
import type { AwsServiceHandler } from './aws-api'
import type { AwsService } from './identify'
import { cloudFormationService } from './cloudformation'
import { eventBridgeService } from './eventbridge'
import { s3Service } from './s3/service'
import { sqsService } from './sqs'
import { stepFunctionsApi } from './stepfunctions'

export interface AwsApiOptions {
  /** The largest object a PutObject or an upload part takes: MAX_UPLOAD_BYTES, the same limit as every way in. */
  readonly maxUploadBytes: number
}

/** The AWS APIs the local runtime answers on its endpoint, each over the runtime's own services. */
export const awsServices = (
  runtime: LocalRuntime,
  options: AwsApiOptions,
): Partial<Record<AwsService, AwsServiceHandler>> => ({
  s3: s3Service(runtime.db, runtime.store, options),
  states: stepFunctionsApi(runtime),
  sqs: sqsService(runtime),
  events: eventBridgeService(runtime),
  cloudformation: cloudFormationService(runtime),
})
