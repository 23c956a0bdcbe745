import { compilePattern } from '../../infra/local/eventbridge/pattern'
import { defineCommand } from '../args'
import { readJsonFile, readPattern } from '../json-file'
import { UsageError } from '../errors'

export const testPattern = defineCommand(
  {
    name: 'test-pattern',
    summary: 'test an event pattern against an event, locally (like TestEventPattern)',
    positionals: { label: '', min: 0, max: 0 },
    synopsis: '--pattern FILE --event FILE',
    options: {
      pattern: { type: 'string', placeholder: 'FILE', description: 'the event pattern, a JSON file (required)' },
      event: {
        type: 'string',
        placeholder: 'FILE',
        description: 'the event, a JSON file with the whole envelope: source, detail-type, detail... (required)',
      },
    },
    description: `Tells whether an event pattern matches an event, as EventBridge's TestEventPattern does
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html), with the local bus's
matcher and without a server: prints "true" and exits 0 for a match, prints "false" and exits 1 for none.
An invalid pattern exits 2 with EventBridge's reason. Unlike TestEventPattern, the event need not carry every
envelope field (id, account, time, region, resources): the pattern is matched against what the event has.

Examples:
  pipeline test-pattern --pattern rule.json --event s3-event.json
  pipeline test-pattern --pattern rule.json --event s3-event.json && echo "the rule would fire"`,
  },
  async ({ options }, { io }) => {
    if (options.pattern === undefined) throw new UsageError('--pattern FILE is required')
    if (options.event === undefined) throw new UsageError('--event FILE is required')
    const pattern = await readPattern(options.pattern, '--pattern')
    const event = await readJsonFile(options.event, '--event')
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new UsageError(`--event ${options.event}: an event must be a JSON object`, { showHelpHint: false })
    }
    const matched = compilePattern(pattern)(event)
    io.stdout.write(`${matched}\n`)
    return matched ? 0 : 1
  },
)
