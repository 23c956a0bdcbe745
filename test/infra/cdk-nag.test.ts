import { Stack, Validations, type App } from 'aws-cdk-lib'
import { Annotations, Match } from 'aws-cdk-lib/assertions'
import { Queue } from 'aws-cdk-lib/aws-sqs'
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag'
import type { IConstruct } from 'constructs'
import { PipelineStack } from '../../infra/aws/pipeline-stack'
import { StepKeys } from '../../steps/kit/catalog'
import { testApp } from './support/synth'

// cdk-nag 3 is a CDK policy-validation plugin, not an Aspect: its findings never become annotations. `validateScope`
// is its documented entry point for tests, and what `cdk synth` runs through `Validations.of(app).addPlugins`.
const packs = (app: App): NagPack[] => [new AwsSolutionsChecks(app), new ServerlessChecks(app)]

interface Finding {
  readonly severity: string
  readonly rule: string
  readonly path: string
}

const findingsOf = (app: App, scope: IConstruct): Finding[] =>
  packs(app).flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        severity: String(violation.severity),
        rule: violation.ruleName,
        path: String(resource.constructPath),
      })),
    ),
  )

const synthesizedPipeline = () => {
  const app = testApp()
  const stack = new PipelineStack(app, 'Pipeline')
  app.synth()
  return { app, stack }
}

/** Every acknowledgment recorded under `scope`: the construct it is on, the rule (with its finding) and the reason. */
const acknowledgmentsUnder = (scope: IConstruct) =>
  scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          rule: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  )

/** A finding's rule with the logical ids taken out, so the kinds of acknowledged finding read as a short list. */
const family = (rule: string) =>
  rule
    .replace(/<[A-Za-z0-9]+\.Arn>:\*/, '<function>:*')
    .replace(/<[A-Za-z0-9]+\.Arn>\/([a-z]+)\/\*/, '<upload bucket>/$1/*')

describe('cdk-nag', () => {
  it('finds no unacknowledged error or warning in the pipeline, with the AWS Solutions and Serverless packs', () => {
    const { app, stack } = synthesizedPipeline()

    const findings = findingsOf(app, stack)

    expect(findings).toEqual([])
    // Nor does the CDK itself leave an error or warning on the stack (cdk-nag 2 reported its findings there too).
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('.*'))).toEqual([])
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*'))).toEqual([])
  })

  it('lets `cdk synth` through with both packs registered as infra/aws/app.ts registers them', () => {
    const app = testApp()
    new PipelineStack(app, 'Pipeline')
    Validations.of(app).addPlugins(...packs(app))

    expect(() => app.synth()).not.toThrow()
  })

  it('stops synthesis at a finding nobody acknowledged, so the packs really run', () => {
    const app = testApp()
    new Queue(new Stack(app, 'Leaky'), 'Plain')
    Validations.of(app).addPlugins(...packs(app))

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4[\s\S]*Serverless-SQSRedrivePolicy/)
  })

  describe('acknowledgments', () => {
    let acknowledged: ReturnType<typeof acknowledgmentsUnder> = []
    let raw: Finding[] = []
    beforeAll(() => {
      acknowledged = acknowledgmentsUnder(synthesizedPipeline().stack)
      // The same stack with every acknowledgment ignored: what the packs find before anything is acknowledged.
      const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined)
      const bare = synthesizedPipeline()
      spy.mockRestore()
      raw = findingsOf(bare.app, bare.stack)
    })

    it('each name a finding that exists at or under the construct they are on', () => {
      const unused = acknowledged.filter(
        (ack) =>
          !raw.some(
            (finding) =>
              finding.rule === ack.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)),
          ),
      )

      expect(unused).toEqual([])
    })

    it('each give a reason of a sentence or more', () => {
      const terse = acknowledged.filter((ack) => ack.reason.trim().length < 60)

      expect(terse).toEqual([])
    })

    it('are of these kinds only, each a finding that does not apply (reasons beside each in infra/aws/constructs)', () => {
      const kinds = [...new Set(acknowledged.map((ack) => family(ack.rule)))].sort()

      expect(kinds).toEqual(
        [
          // The CDK's own BucketNotificationsHandler comes with the managed basic-execution policy.
          'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          // Object keys under one prefix: the narrowest scope for keys derived from events.
          'AwsSolutions-IAM5[Resource::<upload bucket>/imports/*]',
          'AwsSolutions-IAM5[Resource::<upload bucket>/reports/*]',
          'AwsSolutions-IAM5[Resource::<upload bucket>/thumbnails/*]',
          'AwsSolutions-IAM5[Resource::<upload bucket>/uploads/*]',
          // X-Ray, Step Functions log delivery and dynamodb:ListStreams take no resource.
          'AwsSolutions-IAM5[Resource::*]',
          // lambda:invoke and grantInvoke cover a function's versions and aliases.
          'AwsSolutions-IAM5[Resource::<function>:*]',
          // The unauthenticated CORS preflight route.
          'AwsSolutions-APIG4',
          // Dead-letter queues need no dead-letter queue.
          'AwsSolutions-SQS3',
          // SQS event sources take no on-failure destination: the queue's redrive policy is it.
          'Serverless-LambdaEventSourceMappingDestination',
          // Express and Standard workflows log failures with their data by default (the console reads Standard history from Step Functions).
          'AwsSolutions-SF1',
          // Entry points whose callers do not trace follow an upstream sampling decision only (Lambda's own is fixed).
          'Serverless-LambdaTracing',
          // Steps are invoked synchronously only.
          'Serverless-LambdaDLQ',
          'Serverless-SQSRedrivePolicy',
          // The search domain: reached by SigV4-signed requests of named roles, not from a VPC or an IP list (OS1, OS3);
          // a one-node development size without dedicated masters or zone awareness by default (OS4, OS7).
          'AwsSolutions-OS1',
          'AwsSolutions-OS3',
          'AwsSolutions-OS4',
          'AwsSolutions-OS7',
        ].sort(),
      )
    })

    it('allow "*" as a resource only to step roles (X-Ray), workflow roles (X-Ray, log delivery) and pipe roles (ListStreams)', () => {
      const wildcards = acknowledged
        .filter((ack) => ack.rule === 'AwsSolutions-IAM5[Resource::*]')
        .map((ack) => ack.path.replace(/^Pipeline\//, ''))
      const owners = wildcards.filter(
        (path) =>
          !/^[A-Za-z]+\/(?:[A-Za-z]+Step\/Role|[A-Za-z]+Workflow\/StateMachine\/Role|[A-Za-z]+ChangesPipe\/Role)$/.test(
            path,
          ),
      )

      expect(owners).toEqual([])
      // One per step of the catalog, per workflow, per pipe.
      expect(wildcards).toHaveLength(StepKeys.length + 5 + 2)
    })
  })
})
