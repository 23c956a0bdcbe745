import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import type { CfnTemplate } from '../aws/synth'
import { configFromEnv } from '../../steps/services/config'
import { DefaultMaxUploadBytes } from '../console/routes'
import { createPipelineServer } from './http/server'
import { parseFaultPlan } from './lambda/faults'
import { parseRetryScale } from './stepfunctions/executor'
import { InvalidStateMachine } from './stepfunctions/errors'
import { InvalidFilterCriteria } from './lambda/errors'
import { startRuntime } from './runtime'

/**
 * Reads an integer setting of at least `min`, or exits with a message naming it (a bad setting is the user's to fix,
 * not a crash). An unset or empty variable takes the default.
 */
const setting = (name: string, fallback: number, min: 0 | 1): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got "${raw}"`)
    process.exit(2)
  }
  return value
}

/**
 * PIPELINE_TEMPLATE: a template `cdk synth` wrote for this app (`cdk.out/Pipeline.template.json`), run instead of
 * synthesizing the app at start; a file that is not one exits with a message naming the setting.
 */
const templateSetting = (file: string | undefined): CfnTemplate | undefined => {
  if (file === undefined || file === '') return undefined
  try {
    const template = JSON.parse(readFileSync(file, 'utf8')) as unknown
    if (typeof template === 'object' && template !== null && 'Resources' in template) return template as CfnTemplate
    console.error(`PIPELINE_TEMPLATE: ${file} is not a CloudFormation template (it has no Resources)`)
  } catch (error) {
    console.error(`PIPELINE_TEMPLATE: cannot read ${file} as JSON (${(error as Error).message})`)
  }
  process.exit(2)
}

/** `npm start`: the whole pipeline on this machine, serving on HOST:PORT (127.0.0.1:3000 by default). */
const main = async () => {
  const host = process.env.HOST ?? '127.0.0.1'
  // PORT=0 serves on any free port (the tests' way).
  const port = setting('PORT', 3000, 0)
  const dataDir = path.resolve(process.env.PIPELINE_DATA ?? '.pipeline')
  // Every setting is read before the runtime starts, so a bad one stops it at once.
  const maxUploadBytes = setting('MAX_UPLOAD_BYTES', DefaultMaxUploadBytes, 1)
  const requestTimeoutMs = setting('PIPELINE_REQUEST_TIMEOUT_MS', 120_000, 1)
  const concurrency = setting('PIPELINE_CONCURRENCY', 2, 1)
  const template = templateSetting(process.env.PIPELINE_TEMPLATE)
  let config
  try {
    config = configFromEnv(process.env)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(2)
  }
  let faults
  let retryScale
  try {
    faults = parseFaultPlan(process.env.PIPELINE_FAULTS, process.env.PIPELINE_FAULTS_SEED)
    retryScale = parseRetryScale(process.env.PIPELINE_RETRY_SCALE)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(2)
  }
  // PIPELINE_QUEUE_VISIBILITY_MS shortens every queue's visibility timeout (minutes in the template), so a poison message reaches its DLQ in seconds.
  const queueVisibilityMs = setting('PIPELINE_QUEUE_VISIBILITY_MS', 0, 0)
  let runtime
  try {
    runtime = startRuntime({
      dataDir,
      config,
      concurrency,
      ...(template ? { template } : {}),
      ...(faults ? { faults } : {}),
      ...(retryScale ? { retryScale } : {}),
      ...(queueVisibilityMs ? { queueVisibilityMs } : {}),
    })
  } catch (error) {
    // What AWS would refuse at deployment (a filter a pipe cannot take) stops the start, with AWS's reason.
    if (error instanceof InvalidFilterCriteria) {
      console.error(error.message)
      process.exit(2)
    }
    if (!(error instanceof InvalidStateMachine)) throw error
    console.error(`The synthesized template cannot run locally: ${error.message}`)
    process.exit(1)
  }
  if (faults)
    console.log(
      `Injecting faults: ${[...faults.rates].map(([point, rate]) => `${point}=${rate}`).join(', ')} (PIPELINE_FAULTS_SEED=${faults.seed})`,
    )
  if (runtime.recovered > 0) console.log(`Resuming ${runtime.recovered} execution(s) interrupted by the last stop`)
  const server = createPipelineServer(runtime, { maxUploadBytes, requestTimeoutMs })
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `${host}:${port} is already in use: set PORT to another port`
        : `Cannot serve on ${host}:${port}: ${error.message}`,
    )
    process.exit(1)
  })
  server.listen(port, host, () => {
    const address = server.address()
    const actualPort = typeof address === 'object' && address ? address.port : port
    const shown = path.relative(process.cwd(), dataDir)
    console.log(
      `Pipeline running at http://${host}:${actualPort} (data in ${shown.startsWith('..') ? dataDir : shown || '.'})`,
    )
    console.log(`Console at http://${host}:${actualPort}/console`)
  })

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal} received: finishing running executions, then stopping`)
    server.close()
    server.closeIdleConnections()
    await runtime.stop(5000)
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

void main()
