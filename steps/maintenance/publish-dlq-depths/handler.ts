import { AwsLayer } from '../../../infra/aws/layers/aws-layer'
import { AwsEventPublisher } from '../../../infra/aws/layers/services-eventbridge'
import { AwsQueueDepths } from '../../../infra/aws/layers/services-sqs'
import { lambdaStep } from '../../kit/lambda-handler'
import { publishDlqDepths } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(publishDlqDepths, AwsLayer(process.env, [AwsQueueDepths, AwsEventPublisher]))
