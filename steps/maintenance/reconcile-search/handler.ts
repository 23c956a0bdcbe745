import { AwsLayer } from '../../../infra/aws/layers/aws-layer'
import { AwsCheckpoints, AwsOrderTable, AwsUserTable } from '../../../infra/aws/layers/services-dynamodb'
import { AwsSearchIndex } from '../../../infra/aws/layers/services-opensearch'
import { lambdaStep } from '../../kit/lambda-handler'
import { reconcileSearch } from './program'

// Only the services the step uses (lambdaStep checks that with tsc): the others' adapters and SDK clients stay out of the bundle.
export const handler = lambdaStep(
  reconcileSearch,
  AwsLayer(process.env, [AwsOrderTable, AwsUserTable, AwsSearchIndex, AwsCheckpoints]),
)
