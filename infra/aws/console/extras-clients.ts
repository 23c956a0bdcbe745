import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { clientConfig, type AwsClientSettings } from '../client/clients'
import type { ExtrasClients } from './context'

/** The clients only the deployed stack's extras use: CloudWatch (metrics) and DynamoDB (the image table). */
export const createExtrasClients = (settings: AwsClientSettings): ExtrasClients => {
  const config = clientConfig(settings)
  return { cloudwatch: new CloudWatchClient(config), dynamodb: new DynamoDBClient(config) }
}
