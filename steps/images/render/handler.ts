import { AwsLayer } from '../../../infra/aws/layers/aws-layer'
import { AwsObjectStore } from '../../../infra/aws/layers/services-s3'
import { lambdaStep } from '../../kit/lambda-handler'
import { renderImage } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(renderImage, AwsLayer(process.env, [AwsObjectStore]))
