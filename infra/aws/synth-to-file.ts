import { writeFileSync } from 'node:fs'
import { synthesizePipeline } from './synth'

/** `synth-to-file.ts FILE`: the pipeline's template, as the local runtime synthesizes it, written to FILE. */
const file = process.argv[2]
if (!file) {
  console.error('usage: synth-to-file.ts FILE')
  process.exit(2)
}
writeFileSync(file, JSON.stringify(synthesizePipeline()))
