import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { notifyChange } from './program'

export const handler = lambdaStep(notifyChange, AwsLive(process.env))
