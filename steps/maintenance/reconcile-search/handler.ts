import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { reconcileSearch } from './program'

export const handler = lambdaStep(reconcileSearch, AwsLive(process.env))
