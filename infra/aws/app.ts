import { App } from 'aws-cdk-lib'
import { PipelineStack } from './pipeline-stack'

/** The CDK app (`cdk.json` runs this file): `npm run synth` works offline, without credentials. */
const app = new App()
new PipelineStack(app, 'Pipeline', { busName: app.node.tryGetContext('busName') ?? 'pipeline' })
app.synth()
