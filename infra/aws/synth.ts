import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { App } from 'aws-cdk-lib'
import { PipelineStack } from './pipeline-stack'

/** A CloudFormation template as `cdk synth` writes it. */
export interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  readonly Outputs?: Record<string, unknown>
}

/**
 * Synthesizes the pipeline stack in process, exactly as `cdk synth` would. The local runtime skips asset
 * bundling (context `aws:cdk:bundling-stacks` = []): it runs the step programs in process, not the bundles.
 */
export const synthesizePipeline = (options: { readonly bundling?: boolean } = {}): CfnTemplate => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'pipeline-synth-'))
  try {
    // Path metadata names each resource after its construct, which is how the local runtime names queues, tables and rules.
    const app = new App({
      outdir,
      context: { 'aws:cdk:enable-path-metadata': true, ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    })
    const stack = new PipelineStack(app, 'Pipeline')
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}
