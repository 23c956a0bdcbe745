import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag'
import { searchFromContext } from './constructs/search-domain'
import { workflowLoggingFromContext } from './constructs/workflow-plumbing'
import { PipelineStack } from './pipeline-stack'

/**
 * The CDK app (`cdk.json` runs this file): `npm run synth` works offline, without credentials.
 * `-c skipBundling=true` synthesizes the template without building the step bundles, as the local runtime does.
 * `-c search=false` deploys without the OpenSearch domain (a cheap development stack: `GET /search` answers 501);
 * `-c searchInstanceType=r7g.large.search -c searchInstanceCount=2 -c searchVolumeGb=100` sizes it (`constructs/search-domain.ts`).
 * `-c workflowLogLevel=ALL` logs every state of every workflow with its data; by default the order, change, image and
 * import workflows log failures with their data and maintenance everything; `-c workflowLogLevel=OrderWorkflow=ALL:nodata`
 * sets one workflow's (see `DefaultWorkflowLogging` in `constructs/workflow-plumbing.ts` for why).
 *
 * cdk-nag's AWS Solutions and Serverless packs check every resource at synthesis
 * (https://github.com/cdklabs/cdk-nag). cdk-nag 3 runs as a CDK policy-validation plugin rather than an Aspect, so
 * any unacknowledged finding, error or warning, stops `cdk synth` and `cdk deploy` with a report. Each acknowledged
 * finding names its rule and reason beside the resource it concerns (`constructs/findings.ts`).
 */
const app = new App()
if (String(app.node.tryGetContext('skipBundling')) === 'true') app.node.setContext('aws:cdk:bundling-stacks', [])
const alarmEmail: unknown = app.node.tryGetContext('alarmEmail')
const busName: unknown = app.node.tryGetContext('busName')
// `-c stackName=PipelineStaging` deploys a second pipeline beside the first: no resource has a fixed name.
new PipelineStack(app, String(app.node.tryGetContext('stackName') ?? 'Pipeline'), {
  ...(typeof busName === 'string' && busName !== '' ? { busName } : {}),
  ...(typeof alarmEmail === 'string' && alarmEmail !== '' ? { alarmEmail } : {}),
  workflowLogging: workflowLoggingFromContext(app.node.tryGetContext('workflowLogLevel')),
  search: searchFromContext((name) => app.node.tryGetContext(name)),
})
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app))
app.synth()
