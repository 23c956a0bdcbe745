import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { resizeImage } from './program'

export const handler = lambdaStep(resizeImage, AwsLive(process.env))
