import { AwsLayer } from '../../infra/aws/layers/aws-layer'
import { AwsLedger } from '../../infra/aws/layers/services-dynamodb'
import { AwsEventPublisher } from '../../infra/aws/layers/services-eventbridge'
import { AwsObjectStore } from '../../infra/aws/layers/services-s3'
import { lambdaStep } from '../kit/lambda-handler'
import { importOrders } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(importOrders, AwsLayer(process.env, [AwsObjectStore, AwsEventPublisher, AwsLedger]))
