import { defineCommand } from '../args'
import type { DlqMessage } from '../client'
import { describeFailure, formatTime, json, table, terminalWidth } from '../format'

export const dlq = defineCommand(
  {
    name: 'dlq',
    summary: 'show the messages in the dead-letter queues',
    positionals: { label: '', min: 0, max: 0 },
    options: {
      json: { type: 'boolean', description: "print the server's JSON answer as it came" },
    },
    description: `Lists each dead-letter queue's messages: id, time sent, the object key the message is about, and
the reason (its error and a summary of its cause).

Examples:
  pipeline dlq
  pipeline dlq --json`,
  },
  async ({ options }, { io, client }) => {
    const answer = await client().listDlq()
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
      const title = `${queue.name}: ${count === 0 ? 'empty' : `${count} message${count === 1 ? '' : 's'}`}\n`
      if (count === 0) return title
      const rows = queue.messages.map((message) => {
        const { key, reason } = summarize(message)
        return [message.id, formatTime(message.sentAt), key ?? '-', reason ?? '-']
      })
      return title + table([{ header: 'ID' }, { header: 'TIME' }, { header: 'KEY' }, { header: 'REASON' }], rows, { maxWidth: terminalWidth(io.stdout) })
    })
    io.stdout.write(sections.join('\n'))
    return 0
  },
)

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined)

/**
 * What a dead letter is about. Bodies vary by producer: a failure record `{error, cause}`, Step Functions'
 * `{Error, Cause}`, Lambda's `{errorType, errorMessage}`, or `error` nested as an object; a body that is a
 * JSON string is parsed first. The key is the first `key` field found, preferring one under uploads/.
 */
export const summarize = (message: DlqMessage): { readonly key?: string; readonly reason?: string } => {
  let body = message.body
  if (typeof message.body === 'string') {
    try {
      body = JSON.parse(message.body)
    } catch {
      return { reason: message.body }
    }
  }
  if (!isObject(body)) return {}
  const nested = isObject(body.error) ? body.error : isObject(body.Error) ? body.Error : {}
  const error = text(body.error) ?? text(body.Error) ?? text(body.errorType) ?? text(nested.Error) ?? text(nested.error)
  const cause = text(body.cause) ?? text(body.Cause) ?? text(body.errorMessage) ?? text(nested.Cause) ?? text(nested.cause) ?? text(body.reason) ?? text(body.message)
  const key = findKey(body)
  return { ...(key === undefined ? {} : { key }), ...(describeFailure(error, cause) === undefined ? {} : { reason: describeFailure(error, cause) }) }
}

/** Breadth-first, so `detail.object.key` beats a key buried deeper; a few levels are enough for any event. */
const findKey = (root: Json): string | undefined => {
  let level: Json[] = [root]
  let fallback: string | undefined
  for (let depth = 0; depth < 6 && level.length > 0; depth += 1) {
    const next: Json[] = []
    for (const node of level) {
      const key = text(node.key)
      if (key?.startsWith('uploads/')) return key
      fallback ??= key
      for (const value of Object.values(node)) {
        if (isObject(value)) next.push(value)
        else if (Array.isArray(value)) next.push(...value.filter(isObject))
      }
    }
    level = next
  }
  return fallback
}
