import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { recordImageFailure } from './program'

export const handler = lambdaStep(recordImageFailure, AwsLive(process.env))
