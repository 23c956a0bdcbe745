import { AwsLayer } from '../../../infra/aws/layers/aws-layer'
import { lambdaStep } from '../../kit/lambda-handler'
import { decodeUserChanges } from '../decode/program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(decodeUserChanges, AwsLayer(process.env, []))
