import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

export interface StepFunctionProps {
  /** The step's folder under `steps/`; its `handler.ts` is the entry. */
  readonly step: string
  /** The step's registered name (`Step.name`): the local runtime maps the function back to the program by it. */
  readonly stepName: string
  readonly memorySize?: number
  readonly timeout?: Duration
  readonly environment?: Record<string, string>
  /** The step uses sharp: its native binary for linux arm64 is installed beside the bundle instead of bundled. */
  readonly usesSharp?: boolean
  readonly serviceName?: string
}

const projectRoot = path.resolve(__dirname, '..', '..', '..')

// npm picks sharp's prebuilt binary for the target platform, so no Docker and no cross-compiling is needed.
const sharpVersion = (JSON.parse(readFileSync(path.join(projectRoot, 'node_modules', 'sharp', 'package.json'), 'utf8')) as { version: string }).version
const sharpBundling = {
  externalModules: ['sharp'],
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [
      `npm install --prefix "${outputDir}" --no-save --no-package-lock --omit=dev --os=linux --cpu=arm64 --libc=glibc sharp@${sharpVersion}`,
    ],
  },
}

/**
 * One Lambda step. Defaults it enforces so no call site repeats them: Node.js 24 on arm64, ESM bundled by the
 * local esbuild (no Docker), active X-Ray tracing, its own log group kept for one month, the Powertools
 * environment (service name, log level, metrics namespace) and `PIPELINE_STEP` naming the program it runs.
 */
export class StepFunction extends Construct {
  readonly function: NodejsFunction

  constructor(scope: Construct, id: string, props: StepFunctionProps) {
    super(scope, id)
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(projectRoot, 'steps', props.step, 'handler.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      environment: {
        PIPELINE_STEP: props.stepName,
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'pipeline',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'Pipeline',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // ESM bundles still meet CommonJS dependencies that call require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        ...(props.usesSharp ? sharpBundling : {}),
      },
    })
  }
}
