import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { indexOrder } from './program'

export const handler = lambdaStep(indexOrder, AwsLive(process.env))
