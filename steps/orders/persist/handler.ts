import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { persistOrder } from './program'

export const handler = lambdaStep(persistOrder, AwsLive(process.env))
