import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { Match, Template } from 'aws-cdk-lib/assertions'
import type { CfnTemplate } from '../../infra/aws/synth'
import { resolveIntrinsics } from '../../infra/local/model/template'
import { pipelineModel } from '../support/pipeline'
import { startRuntime } from '../../infra/local/runtime'
import { StepKeys } from '../../steps/kit/catalog'
import { validateDefinition } from '../../infra/local/stepfunctions/engine'
import { InvalidStateMachine } from '../../infra/local/stepfunctions/errors'
import type { LocalModel } from '../../infra/local/model/template'
import { configFromEnv } from '../../steps/services/config'

const root = path.resolve(__dirname, '..', '..')
let outdir: string
let template: CfnTemplate

beforeAll(async () => {
  // The real `cdk synth` of `npm run synth`, offline and without credentials (asset bundling skipped to stay quick).
  outdir = mkdtempSync(path.join(tmpdir(), 'pipeline-cdk-out-'))
  await promisify(execFile)(
    process.execPath,
    [
      path.join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
      'synth',
      '--quiet',
      '--no-notices',
      '-o',
      outdir,
      '-c',
      'skipBundling=true',
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
      },
    },
  )
  template = JSON.parse(readFileSync(path.join(outdir, 'Pipeline.template.json'), 'utf8')) as CfnTemplate
}, 120_000)
afterAll(() => rmSync(outdir, { recursive: true, force: true }))

const stateMachines = () =>
  Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::StepFunctions::StateMachine')

describe('the synthesized template', () => {
  it('holds the very state machine definitions the local runtime runs', () => {
    const runtime = startRuntime({
      dataDir: mkdtempSync(path.join(tmpdir(), 'pipeline-asl-')),
      config: configFromEnv({}),
      model: pipelineModel(),
    })
    try {
      const fromCdkSynth = stateMachines().map((resource) =>
        JSON.parse(resolveIntrinsics(template, resource.Properties!.DefinitionString) as string),
      )
      const running = runtime.executor.stateMachines.map((machine) => machine.definition)

      expect(running).toEqual(fromCdkSynth)
      expect(running).toHaveLength(5)
    } finally {
      void runtime.stop(0)
    }
  })

  it('has state machines whose ASL passes the validation AWS runs on CreateStateMachine', () => {
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html
    for (const resource of stateMachines()) {
      const definition = JSON.parse(resolveIntrinsics(template, resource.Properties!.DefinitionString) as string)
      const type = resource.Properties!.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD'
      expect(validateDefinition(definition, { type })).toEqual([])
    }
    expect(stateMachines()).toHaveLength(5)
  })

  it.each([
    [
      'a definition AWS would refuse',
      (definition: Record<string, unknown>) => {
        const states = definition.States as Record<string, Record<string, unknown>>
        states.ValidateAndRender = { ...states.ValidateAndRender, Next: 'NoSuchState' }
      },
      /^State machine ImageWorkflow, state ValidateAndRender: .*NoSuchState/,
    ],
    [
      'a Task integration the local runtime does not provide',
      (definition: Record<string, unknown>) => {
        const states = definition.States as Record<string, Record<string, unknown>>
        states.ValidateAndRender = { ...states.ValidateAndRender, Resource: 'arn:aws:states:::aws-sdk:s3:getObject' }
      },
      'State machine ImageWorkflow, state ValidateAndRender: uses arn:aws:states:::aws-sdk:s3:getObject, an integration the local runtime does not provide',
    ],
  ])('refuses to start on %s, naming the state machine, the state and the reason', (_name, breakIt, message) => {
    // Prepare: the synthesized model with the image workflow's definition broken.
    const model = pipelineModel()
    const broken: LocalModel = {
      ...model,
      stateMachines: model.stateMachines.map((machine) => {
        if (machine.name !== 'ImageWorkflow') return machine
        const definition = JSON.parse(JSON.stringify(machine.definition)) as Record<string, unknown>
        breakIt(definition)
        return { ...machine, definition }
      }),
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pipeline-broken-'))

    // Act
    const starting = () => startRuntime({ dataDir, config: configFromEnv({}), model: broken })

    // Assess
    try {
      expect(starting).toThrow(InvalidStateMachine)
      expect(starting).toThrow(message)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('starts the image workflow from a rule with an explicit retry policy and a dead-letter queue', () => {
    Template.fromJSON(template).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { object: { key: [{ prefix: 'uploads/' }] } },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    })
  })

  it("forwards the upload bucket's S3 notifications from the default bus to the pipeline bus", () => {
    const rules = Object.values(template.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        !resource.Properties?.EventBusName &&
        JSON.stringify(resource.Properties?.EventPattern).includes('aws.s3'),
    )
    expect(rules).toHaveLength(1)
    expect(resolveIntrinsics(template, rules[0]!.Properties)).toMatchObject({
      EventPattern: { source: ['aws.s3'] },
      Targets: [{ Arn: expect.stringMatching(/event-bus\/Pipeline$/) }],
    })
  })

  it('runs every step on Node.js 24, arm64, traced (entry points as their caller decides), and the step it runs named', () => {
    const functions = Object.values(template.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.PIPELINE_STEP,
    )
    expect(functions).toHaveLength(StepKeys.length)
    // Lambda's own sampling is fixed (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html): the entry points
    // whose callers do not trace pass through, and the workflows they start are sampled by the account's rule.
    const entryPoints = ['http-api', 'search-api', 'receive-orders', 'decode-order-changes', 'decode-user-changes']
    for (const fn of functions)
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: {
          Mode: entryPoints.includes(
            (fn.Properties as { Environment: { Variables: { PIPELINE_STEP: string } } }).Environment.Variables
              .PIPELINE_STEP,
          )
            ? 'PassThrough'
            : 'Active',
        },
      })
  })

  it('traces the state machine and retries transient errors with full jitter', () => {
    Template.fromJSON(template).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
    })
    const definition = JSON.parse(
      resolveIntrinsics(template, stateMachines()[0]!.Properties!.DefinitionString) as string,
    )
    expect(definition.States.ValidateAndRender.Retry[0]).toMatchObject({
      ErrorEquals: expect.arrayContaining(['TransientError', 'Lambda.ServiceException']),
      JitterStrategy: 'FULL',
      BackoffRate: 2,
    })
    expect(definition.States.ValidateAndRender.Catch[0]).toEqual({
      ErrorEquals: ['States.ALL'],
      ResultPath: '$.error',
      Next: 'RecordFailure',
    })
  })
})
