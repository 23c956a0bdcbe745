import { defineCommand } from '../args'
import { ListRounds, RedriveFollowMs, RedriveRounds } from '../../infra/aws/client/limits'
import { formatTime, json, paletteFor, table, terminalWidth } from '../format'
import { UsageError } from '../errors'
import type { DlqQueue, RedriveResult } from '../../contracts/dead-letters'
import { summarizeDeadLetter } from '../../contracts/dead-letters'

const redrive = defineCommand(
  {
    name: 'dlq redrive',
    summary: 'send the messages of a dead-letter queue (or all) on again',
    positionals: { label: '[QUEUE]', min: 0, max: 1 },
    options: {
      all: { type: 'boolean', description: 'redrive every dead-letter queue of the stack' },
      json: { type: 'boolean', description: 'print the results as JSON' },
    },
    description: `Redrives the dead-letter queue QUEUE (its name as 'pipeline dlq' shows it, e.g. ImageDeadLetters),
or with --all each of them, through SQS and Step Functions, on either target; how depends on the queue:
  - a queue's own DLQ (OrdersQueueDeadLetters: SQS moved the messages there after too many receives): an SQS
    message move task (StartMessageMoveTask) moves them back to the queue they came from, as new messages;
  - a workflow's DLQ (ImageDeadLetters, OrderDeadLetters, ...): no queue feeds it, the workflow sent each failed
    event there as {workflow, execution, error, cause, event}. Redrive starts that workflow again with the event
    as input (StartExecution), and follows the run until it ends (up to ${RedriveFollowMs / 1000}s): if it fails again
    without sending its own dead letter (the image workflow sends one per object version), a new dead letter with
    the new execution, error and cause takes the old one's place. An image or import execution that timed out or
    was aborted (Step Functions' status change event, which no catch sees) starts its state machine again on the
    same input;
  - a rule target's DLQ (RuleTargetDeadLetters): the event is delivered to that rule's target again, a state
    machine starting with the event as input, as the rule would have;
  - a pipe's DLQ (PipeDeadLetters) holds where a stream batch is (shard, sequence numbers), not its records: it
    cannot be redriven and is left in the queue, with the reason; re-read the records from the table's stream,
    which keeps them 24 hours.
Each message sent on is deleted; up to ${RedriveRounds * 10} per run. The steps are idempotent, so nothing a redrive
repeats happens twice.
Prints one line per queue: MOVING, REDRIVEN, EMPTY, or PARTIAL with each message left in the queue and why.
Exits 1 if any message was left.

Examples:
  pipeline dlq redrive ImageDeadLetters
  pipeline dlq redrive --all
  pipeline --target aws dlq redrive ImageDeadLetters
  pipeline --target aws dlq redrive --all --json`,
  },
  async ({ positionals, options }, { io, backend }) => {
    const queue = positionals[0]
    if (queue === undefined && !options.all)
      throw new UsageError('name a QUEUE, or pass --all for every dead-letter queue')
    if (queue !== undefined && options.all) throw new UsageError('give a QUEUE or --all, not both')
    const answer = await backend().redriveDlq(queue)
    const left = answer.results.some((result) => result.status === 'PARTIAL')
    if (options.json) {
      io.stdout.write(json(answer))
      return left ? 1 : 0
    }
    const palette = paletteFor(io.stdout, io.env)
    const rows = answer.results.map((result) => [result.queue, result.status, redriveDetail(result)])
    const leftLines = answer.results.flatMap((result) =>
      [...(result.failed ?? []), ...(result.skipped ?? [])].map(
        (message) => `${result.queue}: ${message.id} left in the queue: ${message.reason}\n`,
      ),
    )
    io.stdout.write(
      table([{ header: 'QUEUE' }, { header: 'STATUS', style: palette.status }, { header: 'DETAIL' }], rows, {
        maxWidth: terminalWidth(io.stdout),
      }) + leftLines.join(''),
    )
    return left ? 1 : 0
  },
)

/** What happened to a queue, after its status. */
const redriveDetail = (result: RedriveResult): string => {
  if (result.status === 'MOVING') {
    const count =
      result.approximateMessages === undefined
        ? 'messages'
        : `about ${result.approximateMessages} message${result.approximateMessages === 1 ? '' : 's'}`
    return `${count} moving back to ${(result.destinations ?? []).join(', ')} (SQS message move task)`
  }
  const parts = [
    result.restarted ? `${result.restarted} started on their workflow again` : '',
    result.failed?.length ? `${result.failed.length} failed` : '',
    result.skipped?.length ? `${result.skipped.length} with no event to send again` : '',
  ].filter((part) => part !== '')
  return parts.length > 0 ? parts.join(', ') : 'nothing to redrive'
}

export const dlq = defineCommand(
  {
    name: 'dlq',
    summary: 'show the messages in the dead-letter queues',
    positionals: { label: '', min: 0, max: 0 },
    subcommands: [redrive],
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer as it came" },
    },
    description: `Lists each dead-letter queue's messages: id, time sent, the object key the message is about, and
the reason (its error and a summary of its cause). 'pipeline dlq redrive --help' sends them on again.

The stack's queues whose logical id says DeadLetters, on either target. SQS has no peek: each is read with
ReceiveMessage and a visibility timeout of 0, so nothing is consumed or hidden, at most ${ListRounds * 10} messages a queue;
a queue holding more says how many SQS counts.

Examples:
  pipeline dlq
  pipeline dlq --json
  pipeline --target aws dlq`,
  },
  async ({ options }, { io, backend }) => {
    const answer = await backend().listDlq()
    if (options.json) {
      io.stdout.write(json(answer))
      return 0
    }
    if (answer.queues.length === 0) {
      io.stdout.write('No dead-letter queues.\n')
      return 0
    }
    const sections = answer.queues.map((queue) => {
      const count = queue.messages.length
      const title = `${queue.name}: ${count === 0 ? 'empty' : `${count} message${count === 1 ? '' : 's'}`}${moreThanShown(queue)}\n`
      if (count === 0) return title
      const rows = queue.messages.map((message) => {
        const { key, reason } = summarizeDeadLetter(message)
        return [message.id, formatTime(message.sentAt), key ?? '-', reason ?? '-']
      })
      return (
        title +
        table([{ header: 'ID' }, { header: 'TIME' }, { header: 'KEY' }, { header: 'REASON' }], rows, {
          maxWidth: terminalWidth(io.stdout),
        })
      )
    })
    io.stdout.write(sections.join('\n'))
    return 0
  },
)

/** A deployed queue's listing is a sample: say when SQS counts more than it shows. */
const moreThanShown = (queue: DlqQueue): string =>
  queue.approximateMessages !== undefined && queue.approximateMessages > queue.messages.length
    ? ` shown, of about ${queue.approximateMessages}`
    : ''
