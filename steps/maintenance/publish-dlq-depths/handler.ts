import { AwsLive } from '../../../infra/aws/layers/aws-live'
import { lambdaStep } from '../../lambda-handler'
import { publishDlqDepths } from './program'

export const handler = lambdaStep(publishDlqDepths, AwsLive(process.env))
