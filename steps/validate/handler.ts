import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { validateImage } from './program'

export const handler = lambdaStep(validateImage, AwsLive(process.env))
