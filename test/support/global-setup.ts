import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { synthesizePipeline } from '../../infra/aws/synth'
import { TemplateFileVariable } from './synthesized'

/**
 * Synthesizes the pipeline once for the whole run and hands the file to every worker, and through PIPELINE_TEMPLATE to
 * every `npm start` a suite spawns: a synthesis costs seconds, and most suites need it.
 */
export default function globalSetup(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-template-'))
  const file = path.join(dir, 'Pipeline.template.json')
  writeFileSync(file, JSON.stringify(synthesizePipeline()))
  process.env[TemplateFileVariable] = file
}
