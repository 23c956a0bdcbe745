import { CloudFormationClient } from '@aws-sdk/client-cloudformation'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { S3Client } from '@aws-sdk/client-s3'
import { SFNClient } from '@aws-sdk/client-sfn'
import { SQSClient } from '@aws-sdk/client-sqs'

/** The SDK clients the AWS target uses, all for one profile and region. */
export interface AwsClients {
  readonly cloudformation: CloudFormationClient
  readonly s3: S3Client
  readonly sfn: SFNClient
  readonly events: EventBridgeClient
  readonly sqs: SQSClient
}

export interface AwsClientSettings {
  /** Undefined: the SDK's own chain (AWS_PROFILE, else the default credentials). */
  readonly profile?: string | undefined
  /** Undefined: AWS_REGION, else the profile's region. */
  readonly region?: string | undefined
  /**
   * One endpoint for every service, as the local runtime answers them all on its own address; undefined: AWS's
   * endpoints for the region.
   */
  readonly endpoint?: string | undefined
  /** Fixed credentials (the local runtime takes any); undefined: the profile's, or the SDK's chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined
}

/**
 * What every client of `settings` is created with. With an endpoint, S3 addresses buckets by path (the endpoint is
 * one host, not one per bucket) and Step Functions sends no host prefix (StartSyncExecution's `sync-`).
 */
export const clientConfig = (settings: AwsClientSettings) => ({
  ...(settings.region ? { region: settings.region } : {}),
  ...(settings.profile ? { profile: settings.profile } : {}),
  ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  ...(settings.credentials ? { credentials: { ...settings.credentials } } : {}),
})

/** Clients created with `{ region, profile }` (SDK v3 clients take a profile in their config); nothing is sent yet. */
export const createClients = (settings: AwsClientSettings): AwsClients => {
  const config = clientConfig(settings)
  const onEndpoint = settings.endpoint !== undefined
  return {
    cloudformation: new CloudFormationClient(config),
    s3: new S3Client({ ...config, ...(onEndpoint ? { forcePathStyle: true } : {}) }),
    sfn: new SFNClient({ ...config, ...(onEndpoint ? { disableHostPrefix: true } : {}) }),
    events: new EventBridgeClient(config),
    sqs: new SQSClient(config),
  }
}
