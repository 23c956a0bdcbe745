import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { TemplateFileVariable } from './synthesized'

export default function globalTeardown(): void {
  const file = process.env[TemplateFileVariable]
  if (file) rmSync(path.dirname(file), { recursive: true, force: true })
}
