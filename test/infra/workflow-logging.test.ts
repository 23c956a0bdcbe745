import { Template } from 'aws-cdk-lib/assertions'
import { LogLevel } from 'aws-cdk-lib/aws-stepfunctions'
import { WorkflowIds, workflowLoggingFromContext, type WorkflowId } from '../../infra/aws/constructs/workflow-plumbing'
import { PipelineStack, type PipelineStackProps } from '../../infra/aws/pipeline-stack'
import { resourceAt, testApp } from './support/synth'

const ConstructOf: Readonly<Record<WorkflowId, string>> = {
  ImageWorkflow: 'ImageProcessing',
  OrderWorkflow: 'OrderProcessing',
  ChangeWorkflow: 'ChangeProcessing',
  ImportWorkflow: 'BulkImport',
  MaintenanceWorkflow: 'Maintenance',
}

/** Each workflow's LoggingConfiguration level and IncludeExecutionData in a stack synthesized with `props`. */
const loggingOf = (props: PipelineStackProps): Record<string, [string, boolean]> => {
  const template = Template.fromStack(new PipelineStack(testApp(), 'Pipeline', props))
  return Object.fromEntries(
    WorkflowIds.map((id) => {
      const config = (
        resourceAt(template, `${ConstructOf[id]}/${id}/StateMachine/Resource`).resource.Properties as {
          LoggingConfiguration: { Level: string; IncludeExecutionData: boolean }
        }
      ).LoggingConfiguration
      return [id, [config.Level, config.IncludeExecutionData]]
    }),
  )
}

describe('workflow logging', () => {
  it('logs failures with their data by default, and every state of the maintenance workflow', () => {
    // Act
    const logging = loggingOf({})

    // Assess
    expect(logging).toEqual({
      ImageWorkflow: ['ERROR', true],
      OrderWorkflow: ['ERROR', true],
      ChangeWorkflow: ['ERROR', true],
      ImportWorkflow: ['ERROR', true],
      MaintenanceWorkflow: ['ALL', true],
    })
  })

  it('logs every state of every workflow with -c workflowLogLevel=ALL', () => {
    expect(loggingOf({ workflowLogging: workflowLoggingFromContext('ALL') })).toEqual(
      Object.fromEntries(WorkflowIds.map((id) => [id, ['ALL', true]])),
    )
  })

  it('logs every state without inputs and outputs with :nodata, for the console at a fraction of the bytes', () => {
    // Act
    const logging = loggingOf({ workflowLogging: workflowLoggingFromContext('OrderWorkflow=ALL:nodata') })

    // Assess
    expect(logging.OrderWorkflow).toEqual(['ALL', false])
    expect(logging.ChangeWorkflow).toEqual(['ERROR', true])
  })

  it('logs failures only with -c workflowLogLevel=ERROR, as a deployment that wants the cheaper log chooses', () => {
    // Prepare
    const workflowLogging = workflowLoggingFromContext('ERROR')

    // Act
    const logging = loggingOf({ workflowLogging })

    // Assess
    expect(logging).toEqual(Object.fromEntries(WorkflowIds.map((id) => [id, ['ERROR', true]])))
  })

  it("sets one workflow's level by name, leaving the others at their default", () => {
    // Prepare
    const workflowLogging = workflowLoggingFromContext('OrderWorkflow=ERROR, ImageWorkflow=off')

    // Act
    const logging = loggingOf({ workflowLogging })

    // Assess
    expect(logging).toEqual({
      ImageWorkflow: ['OFF', true],
      OrderWorkflow: ['ERROR', true],
      ChangeWorkflow: ['ERROR', true],
      ImportWorkflow: ['ERROR', true],
      MaintenanceWorkflow: ['ALL', true],
    })
  })

  it('takes no context value as the default for every workflow', () => {
    // Act
    const chosen = [workflowLoggingFromContext(undefined), workflowLoggingFromContext('')]

    // Assess
    expect(chosen).toEqual([{}, {}])
  })

  it('maps each level name to its LogLevel, whatever its case', () => {
    // Act
    const chosen = ['all', 'Error', 'FATAL', 'off'].map((name) => workflowLoggingFromContext(name).OrderWorkflow)

    // Assess
    expect(chosen).toEqual(
      [LogLevel.ALL, LogLevel.ERROR, LogLevel.FATAL, LogLevel.OFF].map((level) => ({
        level,
        includeExecutionData: true,
      })),
    )
  })

  it.each([
    ['an unknown level', 'VERBOSE', /"VERBOSE" is not one of ALL, ERROR, FATAL, OFF/],
    ['an unknown workflow', 'OrdersWorkflow=ALL', /"OrdersWorkflow" is not one of ImageWorkflow, OrderWorkflow/],
    ['a workflow without a level', 'OrderWorkflow=', /"" is not one of ALL/],
    ['an unknown data setting', 'ALL:some', /"ALL:some" ends neither in :data nor in :nodata/],
  ])('stops the synthesis on %s, naming it', (_name, value, message) => {
    // Act
    const read = () => workflowLoggingFromContext(value)

    // Assess
    expect(read).toThrow(message)
  })
})
