import { Context, Layer } from 'effect'

/** Limits and names a step reads from its environment (Lambda env vars on AWS, the same variables locally). */
export interface PipelineConfigShape {
  readonly maxImageBytes: number
  readonly maxImagePixels: number
  readonly busName: string
}

export class PipelineConfig extends Context.Tag('PipelineConfig')<PipelineConfig, PipelineConfigShape>() {}

const positiveInt = (raw: string | undefined, fallback: number, name: string): number => {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`)
  return value
}

/** Reads `MAX_IMAGE_BYTES` (default 25 MB), `MAX_IMAGE_PIXELS` (default 50 megapixels) and `EVENT_BUS_NAME`. */
export const configFromEnv = (env: NodeJS.ProcessEnv): PipelineConfigShape => ({
  maxImageBytes: positiveInt(env.MAX_IMAGE_BYTES, 25 * 1024 * 1024, 'MAX_IMAGE_BYTES'),
  maxImagePixels: positiveInt(env.MAX_IMAGE_PIXELS, 50_000_000, 'MAX_IMAGE_PIXELS'),
  busName: env.EVENT_BUS_NAME ?? 'pipeline',
})

export const PipelineConfigFromEnv = (env: NodeJS.ProcessEnv) => Layer.sync(PipelineConfig, () => configFromEnv(env))
