import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { republishStaleOrders } from './program'

export const handler = lambdaStep(republishStaleOrders, AwsLive(process.env))
