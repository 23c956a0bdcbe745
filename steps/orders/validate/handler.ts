import { AwsLayer } from '../../../infra/aws/layers/aws-layer'
import { AwsUserTable } from '../../../infra/aws/layers/services-dynamodb'
import { lambdaStep } from '../../kit/lambda-handler'
import { validateOrder } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(validateOrder, AwsLayer(process.env, [AwsUserTable]))
