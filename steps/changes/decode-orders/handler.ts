import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { decodeOrderChanges } from '../decode/program'

export const handler = lambdaStep(decodeOrderChanges, AwsLive(process.env))
