import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { decodeUserChanges } from '../decode/program'

export const handler = lambdaStep(decodeUserChanges, AwsLive(process.env))
