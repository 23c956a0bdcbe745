import { Stack } from 'aws-cdk-lib'
import { CfnSamplingRule } from 'aws-cdk-lib/aws-xray'
import { Construct } from 'constructs'

/** X-Ray's name for a state machine as the service a trace starts at. */
export const StateMachineServiceType = 'AWS::StepFunctions::StateMachine'

/** The share of executions a workflow trace starts for, when no upstream caller decided. */
export const DefaultWorkflowTraceRate = 0.01

export interface TracingSamplingProps {
  /** @default DefaultWorkflowTraceRate (1%) */
  readonly fixedRate?: number
}

/**
 * How many workflow executions X-Ray records. Step Functions follows the account's sampling rules
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html); without one, the default rule records
 * the first request each second and 5% of the rest, which at this pipeline's volume (well under one execution a
 * second) is nearly every execution, each a trace billed (https://aws.amazon.com/xray/pricing/). This rule keeps no
 * reservoir and records `fixedRate` of the executions; the steps a recorded execution calls are traced with it, since
 * sampling is decided once, at the root. Rules are per account and region: the name carries the stack's, so a
 * staging stack beside production adds its own rule of the same scope, and either one decides.
 */
export class TracingSampling extends Construct {
  readonly rule: CfnSamplingRule

  constructor(scope: Construct, id: string, props: TracingSamplingProps = {}) {
    super(scope, id)
    this.rule = new CfnSamplingRule(this, 'Workflows', {
      samplingRule: {
        // A rule name has at most 32 characters.
        ruleName: `${Stack.of(this).stackName}-workflows`.slice(0, 32),
        priority: 100,
        fixedRate: props.fixedRate ?? DefaultWorkflowTraceRate,
        reservoirSize: 0,
        serviceName: '*',
        serviceType: StateMachineServiceType,
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    })
  }
}
