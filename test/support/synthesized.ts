import { readFileSync } from 'node:fs'
import { synthesizePipeline, type CfnTemplate } from '../../infra/aws/synth'

/** Where the test run keeps the one template it synthesized (`global-setup.ts`); unset, each process synthesizes. */
export const TemplateFileVariable = 'PIPELINE_TEMPLATE'

let template: CfnTemplate | undefined

/**
 * The pipeline's template as `cdk synth` writes it (bundling skipped), synthesized once per test run rather than once
 * per test file: the global setup writes it to a file every suite and every server a suite starts reads.
 */
export const synthesizedPipeline = (): CfnTemplate => {
  if (template) return template
  const file = process.env[TemplateFileVariable]
  template = file ? (JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate) : synthesizePipeline()
  return template
}
