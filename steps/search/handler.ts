import { AwsLayer } from '../../infra/aws/layers/aws-layer'
import { AwsImageTable } from '../../infra/aws/layers/services-dynamodb'
import { AwsSearchIndex } from '../../infra/aws/layers/services-opensearch'
import { AwsObjectUrls } from '../../infra/aws/layers/services-s3'
import { lambdaStep } from '../kit/lambda-handler'
import { searchApi } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(searchApi, AwsLayer(process.env, [AwsSearchIndex, AwsImageTable, AwsObjectUrls]))
