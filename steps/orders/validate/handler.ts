import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { validateOrder } from './program'

export const handler = lambdaStep(validateOrder, AwsLive(process.env))
