import { request } from 'node:http'
import { getJson, settle, startPipeline, type RunningPipeline } from '../support/pipeline'

let pipeline: RunningPipeline

beforeAll(async () => {
  pipeline = await startPipeline({ maxUploadBytes: 64 * 1024 })
})
afterAll(() => pipeline.close())

/** A raw request, so the path reaches the server exactly as written (fetch would normalize dot segments). */
const raw = (method: string, path: string, body?: Buffer) =>
  new Promise<{ status: number; headers: Record<string, unknown>; json: { error?: string; message?: string } }>(
    (resolve, reject) => {
      const { port } = new URL(pipeline.url)
      const req = request(
        { host: '127.0.0.1', port, method, path, headers: body ? { 'content-length': body.length } : {} },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              headers: res.headers,
              json: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
            }),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    },
  )

describe('the HTTP API answers bad input with a clear JSON error', () => {
  it.each([
    ['an encoded parent-directory key', 'PUT', '/uploads/..%2F..%2Fetc%2Fpasswd', 400, 'InvalidObjectKey'],
    ['a key with a dot segment', 'PUT', '/uploads/a/.%2Fb.jpg', 400, 'InvalidObjectKey'],
    ['a key with a NUL byte', 'PUT', '/uploads/a%00.jpg', 400, 'InvalidObjectKey'],
    ['a key with a backslash', 'PUT', '/uploads/..%5C..%5Cwin.ini', 400, 'InvalidObjectKey'],
    ['broken percent-encoding', 'PUT', '/uploads/%E0%A4%A.jpg', 400, 'InvalidPath'],
    ['an unknown route', 'GET', '/nowhere', 404, 'NotFound'],
    ['a wrong method', 'DELETE', '/uploads/a.jpg', 405, 'MethodNotAllowed'],
    ['an unknown image', 'GET', '/images/none.jpg', 404, 'NotFound'],
    ['an unknown execution', 'GET', '/executions/nope', 404, 'ExecutionDoesNotExist'],
    ['an unknown execution status', 'GET', '/executions?status=BOGUS', 400, 'InvalidParameter'],
    ['a search without text', 'GET', '/search?q=', 400, 'InvalidParameter'],
    ['a search without q at all', 'GET', '/search', 400, 'InvalidParameter'],
    ['a search of an unknown kind', 'GET', '/search?q=a&kind=widget', 400, 'InvalidParameter'],
    ['a search limit out of range', 'GET', '/search?q=a&limit=0', 400, 'InvalidParameter'],
    ['a search cursor it did not hand out', 'GET', '/search?q=a&cursor=bogus', 400, 'InvalidParameter'],
    ['a search with another method', 'POST', '/search?q=a', 405, 'MethodNotAllowed'],
  ])('%s', async (_name, method, path, status, error) => {
    const answer = await raw(method, path, method === 'PUT' ? Buffer.from('x') : undefined)

    expect(answer.status).toBe(status)
    expect(answer.json.error).toBe(error)
    expect(answer.json.message).toEqual(expect.any(String))
    expect(JSON.stringify(answer.json)).not.toMatch(/\n\s+at /)
  })

  it.each([
    ['kind', '/search?q=a&kind=widget', 'kind: must be one of "order", "user", "image"'],
    ['limit', '/search?q=a&limit=500', 'limit: must be an integer from 1 to 100'],
    ['q', '/search?q=%20', 'q: a search text is required'],
  ])('names the failing search parameter %s', async (field, path, message) => {
    const answer = await raw('GET', path)

    expect(answer.json).toMatchObject({ error: 'InvalidParameter', message, fields: [{ path: field }] })
  })

  it('names the allowed methods on a 405', async () => {
    const answer = await raw('DELETE', '/uploads/a.jpg')
    expect(answer.headers.allow).toBe('PUT')
  })

  it('refuses an upload over the size limit with 413 and stores nothing', async () => {
    const answer = await raw('PUT', '/uploads/big.jpg', Buffer.alloc(65 * 1024))

    expect(answer.status).toBe(413)
    expect(answer.json.error).toBe('EntityTooLarge')
    expect((await fetch(`${pipeline.url}/objects/uploads/big.jpg`)).status).toBe(404)
    expect((await getJson<{ executions: unknown[] }>(`${pipeline.url}/executions`)).body.executions).toEqual([])
  })

  it('stays healthy after all of it', async () => {
    expect((await getJson(`${pipeline.url}/health`)).body).toMatchObject({ status: 'ok' })
  })

  it('says it is idle only when nothing is left to do, a stream record its pipe has not read included', async () => {
    // Prepare: a username reservation on the users table's stream, as the table writes it, before the users pipe
    // reads it (its filter keeps only user items, so reading it starts nothing).
    await settle(pipeline)
    const pipe = pipeline.runtime.model.pipes!.find((candidate) => candidate.filters?.some((f) => f.includes('usr_')))!
    pipeline.runtime.db.prepare('INSERT INTO stream_records (stream_arn, record) VALUES (?, ?)').run(
      pipe.sourceArn,
      JSON.stringify({
        eventID: 'reservation',
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        dynamodb: {
          Keys: { userId: { S: 'username#idle' } },
          SequenceNumber: '1',
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
        eventSourceARN: pipe.sourceArn,
      }),
    )
    const unread = pipeline.runtime.isQuiet()

    // Act
    await settle(pipeline)
    const health = (await getJson<{ idle: boolean; executions: unknown }>(`${pipeline.url}/health`)).body

    // Assess
    expect(unread).toBe(false)
    expect(health).toMatchObject({ idle: true, executions: { pending: 0, running: 0 } })
  })
})
