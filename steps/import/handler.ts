import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { importOrders } from './program'

export const handler = lambdaStep(importOrders, AwsLive(process.env))
