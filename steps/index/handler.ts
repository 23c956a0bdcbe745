import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { indexImage } from './program'

export const handler = lambdaStep(indexImage, AwsLive(process.env))
