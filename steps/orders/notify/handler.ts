import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { notifyOrder } from './program'

export const handler = lambdaStep(notifyOrder, AwsLive(process.env))
