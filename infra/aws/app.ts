import { App } from 'aws-cdk-lib'
import { PipelineStack } from './pipeline-stack'

/**
 * The CDK app (`cdk.json` runs this file): `npm run synth` works offline, without credentials.
 * `-c skipBundling=true` synthesizes the template without building the step bundles, as the local runtime does.
 */
const app = new App()
if (String(app.node.tryGetContext('skipBundling')) === 'true') app.node.setContext('aws:cdk:bundling-stacks', [])
new PipelineStack(app, 'Pipeline', { busName: app.node.tryGetContext('busName') ?? 'pipeline' })
app.synth()
