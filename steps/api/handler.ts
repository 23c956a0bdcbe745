import type { Layer } from 'effect'
import { AwsLive } from '../../infra/aws/layers/aws-live'
import { lambdaStep } from '../lambda-handler'
import { httpApi, type ApiServices } from './program'

// lambdaStep does not tie the layer to the step's services: this annotation makes tsc check that AwsLive provides them.
const services: Layer.Layer<ApiServices> = AwsLive(process.env)

export const handler = lambdaStep(httpApi, services)
