import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { applyChange } from './program'

export const handler = lambdaStep(applyChange, AwsLive(process.env))
