import { AwsLayer } from '../../../infra/aws/layers/aws-layer'
import { AwsLedger } from '../../../infra/aws/layers/services-dynamodb'
import { AwsEventPublisher } from '../../../infra/aws/layers/services-eventbridge'
import { lambdaStep } from '../../kit/lambda-handler'
import { notifyOrder } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(notifyOrder, AwsLayer(process.env, [AwsEventPublisher, AwsLedger]))
