import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { receiveOrders } from './program'

export const handler = lambdaStep(receiveOrders, AwsLive(process.env))
