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
}

/** Clients created with `{ region, profile }` (SDK v3 clients take a profile in their config); nothing is sent yet. */
export const createClients = (settings: AwsClientSettings): AwsClients => {
  const config = {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
  }
  return {
    cloudformation: new CloudFormationClient(config),
    s3: new S3Client(config),
    sfn: new SFNClient(config),
    events: new EventBridgeClient(config),
    sqs: new SQSClient(config),
  }
}
