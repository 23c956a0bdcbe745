import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { expireIdempotency } from './program'

export const handler = lambdaStep(expireIdempotency, AwsLive(process.env))
