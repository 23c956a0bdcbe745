import { AwsLayer } from '../../../infra/aws/layers/aws-layer'
import { AwsImageTable, AwsLedger } from '../../../infra/aws/layers/services-dynamodb'
import { AwsEventPublisher } from '../../../infra/aws/layers/services-eventbridge'
import { lambdaStep } from '../../kit/lambda-handler'
import { persistImage } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(persistImage, AwsLayer(process.env, [AwsImageTable, AwsEventPublisher, AwsLedger]))
