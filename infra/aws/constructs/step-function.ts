import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { stepConstructId, stepName, Steps, type StepEntry, type StepKey } from '../../../steps/kit/catalog'
import { acknowledge, XRayWildcardReason } from './findings'

export interface StepFunctionProps {
  /** @default 256 (MB) */
  readonly memorySize?: number
  /**
   * @default 10 seconds: a step makes a few AWS calls, and a workflow's task times out with its function (the
   * retries of every workflow must end before the workflow's own timeout, test/infra/workflow-timeouts.test.ts)
   */
  readonly timeout?: Duration
  /** Settings naming the resources of the services the step uses (see `serviceEnv` in `infra/aws/layers/aws-layer.ts`). */
  readonly environment?: Record<string, string>
  /** Powertools' service name, the dimension its logs, traces and metrics are grouped by. @default 'pipeline' */
  readonly serviceName?: string
  /** Concurrent executions kept for this function alone. @default none: the account's unreserved pool */
  readonly reservedConcurrency?: number
  /**
   * Whether the function starts traces of its own. An entry point whose caller does not trace (the HTTP API, an SQS
   * event source mapping, a pipe's enrichment) takes `PASS_THROUGH`: Lambda's own sampling, one request a second then
   * 5%, is not configurable (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html) and at this volume
   * (well under one request a second) records nearly every request; the workflows it starts are traced at the
   * sampling rule's rate instead. @default Tracing.ACTIVE: the caller's sampling decision is followed
   */
  readonly tracing?: Tracing
}

const projectRoot = path.resolve(__dirname, '..', '..', '..')

// npm picks sharp's prebuilt binary for the target platform, so no Docker and no cross-compiling is needed.
const sharpVersion = (
  JSON.parse(readFileSync(path.join(projectRoot, 'node_modules', 'sharp', 'package.json'), 'utf8')) as {
    version: string
  }
).version
/**
 * What the bundle leaves to the Lambda runtime: the SDK clients, which the Node.js runtime includes
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included). Nothing else of `@aws-sdk/*`
 * (the CDK's default external): the runtime is not documented to ship the utilities, so `@aws-sdk/util-dynamodb` and
 * the like are bundled.
 */
const RuntimeProvidedModules = ['@aws-sdk/client-*']

const sharpBundling = {
  // sharp's native binary is installed beside the bundle, for linux arm64.
  externalModules: ['@aws-sdk/client-*', 'sharp'],
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [
      `npm install --prefix "${outputDir}" --no-save --no-package-lock --omit=dev --os=linux --cpu=arm64 --libc=glibc sharp@${sharpVersion}`,
    ],
  },
}

/**
 * One Lambda step (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html). Defaults it enforces, so no
 * call site repeats them:
 * - Node.js 24 (`nodejs24.x`) on arm64; 256 MB and 10 seconds unless the step says otherwise;
 * - an ESM bundle built by the local esbuild (no Docker), minified, everything bundled but the SDK clients the runtime
 *   provides; its source map beside it, used at run time only with `-c enableSourceMaps=true`
 *   (`NODE_OPTIONS=--enable-source-maps` makes every cold start parse the 6 MB map: 435 ms against 116 ms for one step);
 * - active X-Ray tracing (an entry point may pass through: see {@link StepFunctionProps.tracing});
 * - JSON logs without Lambda's per-invocation START and REPORT lines (system log level WARN);
 * - its own log group, kept one month and deleted with the stack;
 * - its own role, which starts with nothing but writing to that log group (not `AWSLambdaBasicExecutionRole`, whose
 *   log actions apply to every log group): the stack then grants each step only what its program uses;
 * - the Powertools environment (service name, log level INFO, metrics namespace `Pipeline`) and `PIPELINE_STEP`
 *   naming the program it runs, by which the local runtime maps the function back to the step;
 * - no asynchronous-invocation DLQ: steps are only invoked synchronously (by a Step Functions task, a pipe's
 *   enrichment, the HTTP API, an SQS event source mapping), and each caller owns the failure and its DLQ.
 */
export class StepFunction extends Construct {
  readonly function: NodejsFunction
  readonly logGroup: LogGroup

  /** The step's name (`PIPELINE_STEP`), by which the local runtime maps the function back to its program. */
  readonly stepName: string

  /** The construct's id, the step's folder and its name all derive from `step` (`steps/kit/catalog.ts`). */
  constructor(scope: Construct, step: StepKey, props: StepFunctionProps = {}) {
    super(scope, stepConstructId(step))
    const entry: StepEntry = Steps[step]
    this.stepName = stepName(step)
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.logGroup = logGroup
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${this.stepName} step`,
    })
    logGroup.grantWrite(role)
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', XRayWildcardReason)
    this.function = new NodejsFunction(this, 'Function', {
      role,
      entry: path.join(projectRoot, 'steps', entry.folder, 'handler.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      tracing: props.tracing ?? Tracing.ACTIVE,
      logGroup,
      // JSON, so the system log level applies: at WARN, Lambda sends no START and REPORT line per invocation
      // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html); duration, memory and
      // errors stay in Lambda's own metrics. The application level stays INFO: EMF lines carry no level and count as INFO.
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: SystemLogLevel.WARN,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      environment: {
        PIPELINE_STEP: this.stepName,
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'pipeline',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'Pipeline',
        ...(String(this.node.tryGetContext('enableSourceMaps')) === 'true'
          ? { NODE_OPTIONS: '--enable-source-maps' }
          : {}),
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
        externalModules: RuntimeProvidedModules,
        ...(entry.usesSharp ? sharpBundling : {}),
      },
    })
    if (props.tracing === Tracing.PASS_THROUGH)
      acknowledge(
        this.function,
        'Serverless-LambdaTracing',
        "An entry point whose caller does not trace: Lambda's fixed sampling (one request a second, then 5%) would record nearly every request at this volume, so the function follows an upstream sampling decision only; the workflows it starts are traced at the account's sampling rule (TracingSampling).",
      )
    acknowledge(
      this.function,
      'Serverless-LambdaDLQ',
      'Invoked synchronously only (Step Functions task, pipe enrichment, HTTP API, SQS event source mapping): a Lambda DLQ receives asynchronous invocations only, and each caller sends its failures to its own DLQ.',
    )
  }
}
