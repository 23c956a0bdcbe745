import { defineCommand, defineGroup } from '../args'
import type { SentMessage } from '../client'
import { json } from '../format'
import { readLocalFile } from '../json-file'
import { SendProgressThreshold, sendProgress } from '../progress'
import { UsageError } from '../errors'

/** SQS's limit on a message body (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html), as the runtime enforces it. */
export const MaxMessageBytes = 256 * 1024
const DefaultQueue = 'orders'

/** One message to send: its body and where it came from, for error messages. */
interface Message {
  readonly body: string
  readonly origin: string
}

const send = defineCommand(
  {
    name: 'queue send',
    summary: 'send messages to a queue (the orders queue by default)',
    positionals: { label: '', min: 0, max: 0 },
    synopsis: '(--file F | --body TEXT) [options]',
    options: {
      file: {
        type: 'string',
        placeholder: 'F',
        description: 'send the messages in F: one JSON message, a JSON array of them, or JSON Lines',
      },
      body: { type: 'string', placeholder: 'TEXT', description: 'send TEXT as one message, as it is' },
      queue: {
        type: 'string',
        placeholder: 'Q',
        description: `send to queue Q (default ${DefaultQueue}: the orders queue)`,
      },
      json: { type: 'boolean', description: 'print a JSON array of {queue, messageId} instead of lines' },
    },
    description: `Sends messages to a queue of the local runtime, like SQS SendMessage: one POST /queues/{Q}/messages each.
Give exactly one of --file or --body. F holds
  one JSON message (an object): sent as one message, as its JSON text;
  a JSON array: each element is sent as its own message, as its JSON text;
  JSON Lines: each non-empty line is sent as its own message.
A line that is not JSON is sent as it is, with a warning: the queue accepts any text, and the orders consumer
dead-letters what it cannot read ('pipeline dlq' shows it there). Each message must be at most 256 KiB; every
message is checked before the first is sent. Sending stops at the first message the server refuses.

Prints one line per message sent, "SENT <messageId>" (or, with --json, the array of what was sent, also when a
later message failed). With more than ${SendProgressThreshold} messages, a progress bar on stderr (on a terminal).

Examples:
  pipeline queue send --body '{"orderId":"ord-1","customerId":"c-1","totalAmount":25,"currency":"USD"}'
  pipeline queue send --file orders.jsonl --json`,
  },
  async ({ options }, { io, client }) => {
    const messages = await messagesFrom(options.file, options.body)
    const notJson = messages.filter((message) => !isJson(message.body)).map((message) => message.origin)
    if (options.file !== undefined && notJson.length > 0) {
      const shown =
        notJson.length > 5 ? `${notJson.slice(0, 5).join(', ')} and ${notJson.length - 5} more` : notJson.join(', ')
      io.stderr.write(
        `pipeline queue send: ${shown} ${notJson.length === 1 ? 'is' : 'are'} not JSON; sending as is (the consumer dead-letters what it cannot read)\n`,
      )
    }
    const queue = options.queue ?? DefaultQueue
    if (queue.trim() === '') throw new UsageError('--queue needs a queue name')
    const api = client()
    const sent: SentMessage[] = []
    const progress = sendProgress(io.stderr, messages.length)
    try {
      for (const message of messages) {
        const answer = await api.sendMessage(queue, message.body)
        sent.push(answer)
        progress.sent()
        if (!options.json) progress.above(() => io.stdout.write(`SENT ${answer.messageId}\n`))
      }
    } catch (error) {
      progress.end()
      if (options.json) io.stdout.write(json(sent))
      if (sent.length > 0)
        io.stderr.write(
          `pipeline queue send: sent ${sent.length} of ${messages.length} messages; message ${sent.length + 1} (${messages[sent.length]?.origin}) was not sent\n`,
        )
      throw error
    }
    progress.end()
    if (options.json) io.stdout.write(json(sent))
    return 0
  },
)

export const queue = defineGroup({
  name: 'queue',
  summary: 'send messages to a queue',
  description: `Works with the local runtime's queues.
  pipeline queue send (--file F | --body TEXT) [--queue Q] [--json]
      Sends messages to a queue (the orders queue by default); 'pipeline queue send --help' for more.`,
  subcommands: [send],
})

/** The messages of --file or --body, each checked against the size limit before anything is sent. */
const messagesFrom = async (file: string | undefined, body: string | undefined): Promise<ReadonlyArray<Message>> => {
  if (file !== undefined && body !== undefined) throw new UsageError('give --file or --body, not both')
  if (file === undefined && body === undefined) throw new UsageError('give the messages: --file F or --body TEXT')
  const messages =
    file === undefined
      ? [{ body: body ?? '', origin: '--body' }]
      : parseMessages((await readLocalFile(file, '--file')).toString('utf8'), file)
  const problem = (what: string) =>
    new UsageError(file === undefined ? `--body ${what}` : `--file ${file}: ${what}`, {
      showHelpHint: file === undefined,
    })
  if (messages.length === 0) throw problem('holds no messages')
  for (const message of messages) {
    if (message.body.trim() === '')
      throw problem(`${message.origin === '--body' ? 'is' : `${message.origin} is`} empty; a message needs a body`)
    const bytes = Buffer.byteLength(message.body, 'utf8')
    if (bytes > MaxMessageBytes)
      throw problem(
        `${message.origin === '--body' ? 'is' : `${message.origin} is`} ${bytes} bytes, over the ${MaxMessageBytes}-byte (256 KiB) limit of a message; nothing was sent`,
      )
  }
  return messages
}

/**
 * A file's messages: the whole text as JSON (an array is one message per element, anything else one message), else
 * JSON Lines (one message per non-empty line, sent as it is). Each JSON message is sent compact.
 */
export const parseMessages = (text: string, file: string): ReadonlyArray<Message> => {
  const content = text.replace(/^\uFEFF/, '')
  let whole: unknown
  try {
    whole = JSON.parse(content)
  } catch {
    return content
      .split('\n')
      .map((line, index) => ({ body: line.replace(/\r$/, '').trim(), origin: `line ${index + 1}` }))
      .filter((message) => message.body !== '')
  }
  if (Array.isArray(whole))
    return whole.map((element, index) => ({ body: JSON.stringify(element), origin: `element ${index + 1}` }))
  return [{ body: JSON.stringify(whole), origin: file }]
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
