import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { notifyImage } from './program'

export const handler = lambdaStep(notifyImage, AwsLive(process.env))
