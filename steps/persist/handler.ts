import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { persistImage } from './program'

export const handler = lambdaStep(persistImage, AwsLive(process.env))
