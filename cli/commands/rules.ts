import { defineCommand } from '../args'
import { json, table, terminalWidth } from '../format'

export const rules = defineCommand(
  {
    name: 'rules',
    summary: "list the buses' rules and their targets (the names 'replay --rule' takes)",
    positionals: { label: '', min: 0, max: 0 },
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer as it came, patterns included" },
    },
    description: `Lists the local bus's rules: name, bus, and the targets each delivers to (named after the end of
their ARN: a state machine, a function, a queue). A rule's name is what 'pipeline replay --rule' takes.

Examples:
  pipeline rules
  pipeline rules --json`,
  },
  async ({ options }, { io, client }) => {
    const answer = await client().listRules()
    if (options.json) {
      io.stdout.write(json(answer))
      return 0
    }
    if (answer.rules.length === 0) {
      io.stdout.write('No rules.\n')
      return 0
    }
    const rows = answer.rules.map((rule) => [
      rule.name,
      rule.bus,
      rule.targets.length === 0 ? '-' : rule.targets.map(targetName).join(', '),
    ])
    io.stdout.write(
      table([{ header: 'NAME' }, { header: 'BUS' }, { header: 'TARGETS' }], rows, {
        maxWidth: terminalWidth(io.stdout),
      }),
    )
    return 0
  },
)

/**
 * What a target is, briefly: its ARN's resource without the resource type (`...:stateMachine:ImageWorkflow` is
 * ImageWorkflow, `...:function:resize:live` is resize:live, `...:sqs:...:audit-queue` is audit-queue), else its id.
 */
export const targetName = (target: { readonly id: string; readonly arn: string }): string => {
  const arn = typeof target.arn === 'string' ? target.arn : ''
  const resource = arn.startsWith('arn:') ? arn.split(':').slice(5).join(':') : ''
  const name = /^[A-Za-z-]+[:/](.+)$/.exec(resource)?.[1] ?? resource
  return name || target.id || arn || '-'
}
