import { Duration } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { EventBusWithArchive } from '../../infra/aws/constructs/event-bus-with-archive'
import { testStack } from './support/synth'

describe('EventBusWithArchive', () => {
  it('makes the pipeline bus and archives what this account puts on it for 30 days', () => {
    const stack = testStack()

    new EventBusWithArchive(stack, 'Events')

    const template = Template.fromStack(stack)
    template.resourceCountIs('AWS::Events::EventBus', 1)
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'pipeline' })
    template.resourceCountIs('AWS::Events::Archive', 1)
    template.hasResourceProperties('AWS::Events::Archive', {
      ArchiveName: 'pipeline-archive',
      RetentionDays: 30,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsBus'), 'Arn'] },
    })
  })

  it('takes its names and retention from its props', () => {
    const stack = testStack()

    new EventBusWithArchive(stack, 'Events', {
      busName: 'orders-bus',
      archiveName: 'orders-archive',
      retention: Duration.days(7),
    })

    const template = Template.fromStack(stack)
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'orders-bus' })
    template.hasResourceProperties('AWS::Events::Archive', { ArchiveName: 'orders-archive', RetentionDays: 7 })
  })
})
