import { Cause, Effect, Exit, Layer, ManagedRuntime, Option, Schema } from 'effect'
import { OrderChangedDetail, UserChangedDetail } from '../../../../contracts/changes'
import {
  decodeOrderChanges,
  decodeUserChanges,
  StreamBatch,
  type DecodedChange,
} from '../../../../steps/changes/decode/program'
import { UndecodableChange } from '../../../../steps/changes/errors'
import { invokeStep, StepError } from '../../../../steps/kit/step'
import { images, streamBatch, type RawRecord } from './fixtures'

type Decoded = Exit.Exit<ReadonlyArray<DecodedChange<unknown>>, UndecodableChange>

const decodeOrders = (batch: RawRecord[]): Promise<Decoded> =>
  Effect.runPromiseExit(decodeOrderChanges.run(Schema.decodeUnknownSync(StreamBatch)(batch)))
const decodeUsers = (batch: RawRecord[]): Promise<Decoded> =>
  Effect.runPromiseExit(decodeUserChanges.run(Schema.decodeUnknownSync(StreamBatch)(batch)))

/** Decodes a published detail with its contract, rejecting anything the contract does not name. */
const conformsTo =
  <A, I>(contract: Schema.Schema<A, I>) =>
  (detail: unknown) =>
    Schema.decodeUnknownSync(contract, { onExcessProperty: 'error' })(detail)

/** The failure of an Exit, or undefined when it succeeded or died. */
const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

describe('decodeOrderChanges', () => {
  it('turns every stream record of the batch into an OrderChangedDetail, in input order, images decoded', async () => {
    // Prepare
    const batch = streamBatch('order-changes')

    // Act
    const exit = await decodeOrders(batch)

    // Assess
    expect(exit).toEqual(
      Exit.succeed([
        { eventName: 'INSERT', sequenceNumber: '1700000000000000000001', newImage: images.placed },
        {
          eventName: 'MODIFY',
          sequenceNumber: '1700000000000000000002',
          oldImage: images.placed,
          newImage: images.accepted,
        },
        {
          eventName: 'MODIFY',
          sequenceNumber: '1700000000000000000003',
          oldImage: images.other,
          newImage: images.otherTouched,
        },
        { eventName: 'REMOVE', sequenceNumber: '1700000000000000000004', oldImage: images.accepted },
      ]),
    )
  })
})

describe('decodeUserChanges', () => {
  it('turns every stream record of the batch into a UserChangedDetail, in input order, images decoded', async () => {
    const exit = await decodeUsers(streamBatch('user-changes'))

    expect(exit).toEqual(
      Exit.succeed([
        { eventName: 'INSERT', sequenceNumber: '1800000000000000000001', newImage: images.user },
        {
          eventName: 'MODIFY',
          sequenceNumber: '1800000000000000000002',
          oldImage: images.user,
          newImage: images.suspended,
        },
        {
          eventName: 'MODIFY',
          sequenceNumber: '1800000000000000000003',
          oldImage: images.suspended,
          newImage: images.moved,
        },
        { eventName: 'REMOVE', sequenceNumber: '1800000000000000000004', oldImage: images.moved },
      ]),
    )
  })
})

describe('decodeUserChanges over a users table that also holds username reservations', () => {
  // The DynamoDB adapter keeps usernames unique with a `username#<name>` item (kind = 'username') beside each user;
  // the table's stream carries both kinds (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html).
  const reservation = (eventName: 'INSERT' | 'REMOVE', sequenceNumber: string): RawRecord => {
    const image = {
      userId: { S: 'username#ada.l' },
      kind: { S: 'username' },
      owner: { S: 'usr-1' },
    }
    return {
      ...structuredClone(streamBatch('user-changes')[0]),
      eventName,
      dynamodb: {
        Keys: { userId: { S: 'username#ada.l' } },
        ...(eventName === 'INSERT' ? { NewImage: image } : { OldImage: image }),
        SequenceNumber: sequenceNumber,
        SizeBytes: 60,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    }
  }

  it('skips the reservations and decodes the users around them, in order', async () => {
    // Prepare: a user's INSERT, its reservation's INSERT, the user's REMOVE and the reservation's REMOVE
    const [insert, , , remove] = streamBatch('user-changes')
    const batch = [
      insert,
      reservation('INSERT', '1800000000000000000010'),
      remove,
      reservation('REMOVE', '1800000000000000000011'),
    ]

    // Act
    const exit = await decodeUsers(batch)

    // Assess: two changes, the reservations left out rather than failing the batch
    expect(exit).toEqual(
      Exit.succeed([
        { eventName: 'INSERT', sequenceNumber: '1800000000000000000001', newImage: images.user },
        { eventName: 'REMOVE', sequenceNumber: '1800000000000000000004', oldImage: images.moved },
      ]),
    )
  })

  it('answers an empty array for a batch of reservations only', async () => {
    expect(await decodeUsers([reservation('INSERT', '1800000000000000000012')])).toEqual(Exit.succeed([]))
  })
})

describe.each([
  ['orders', 'order-changes', decodeOrders, conformsTo(OrderChangedDetail)],
  ['users', 'user-changes', decodeUsers, conformsTo(UserChangedDetail)],
] as const)('decoding the %s stream', (_table, fixture, decode, conforms) => {
  it.each([
    ['INSERT', 0, { old: false, new: true }],
    ['MODIFY', 1, { old: true, new: true }],
    ['REMOVE', 3, { old: true, new: false }],
  ] as const)('keeps the images of a %s record', async (eventName, position, has) => {
    const exit = await decode([streamBatch(fixture)[position]])

    expect(Exit.isSuccess(exit)).toBe(true)
    const [change] = Exit.isSuccess(exit) ? exit.value : []
    expect(change.eventName).toBe(eventName)
    expect({ old: change.oldImage !== undefined, new: change.newImage !== undefined }).toEqual(has)
  })

  it('preserves the order of the batch, however its records are arranged', async () => {
    // Prepare: records of one item out of their stream order, as a batch may mix items
    const batch = streamBatch(fixture)
    const arranged = [batch[3], batch[0], batch[2], batch[1]]

    // Act
    const exit = await decode(arranged)

    // Assess
    const sequence = Exit.isSuccess(exit) ? exit.value.map((change) => change.sequenceNumber) : []
    expect(sequence).toEqual(arranged.map((record) => record.dynamodb.SequenceNumber))
  })

  it('answers details that decode with the change contract after a JSON round trip (what Pipes puts on the bus)', async () => {
    const exit = await decode(streamBatch(fixture))

    const details = Exit.isSuccess(exit) ? (JSON.parse(JSON.stringify(exit.value)) as unknown[]) : []
    expect(details).toHaveLength(4)
    for (const detail of details) expect(() => conforms(detail)).not.toThrow()
  })

  it('answers an empty array for an empty batch', async () => {
    expect(await decode([])).toEqual(Exit.succeed([]))
  })
})

describe('an undecodable change', () => {
  type Mutate = (batch: RawRecord[]) => void
  it.each<[string, 'order-changes' | 'user-changes', Mutate, string, RegExp]>([
    [
      'a status outside the contract',
      'order-changes',
      (batch) => {
        batch[1].dynamodb.NewImage.status = { S: 'SHIPPED' }
      },
      '1700000000000000000002',
      /NewImage[\s\S]*status/,
    ],
    [
      'a required attribute missing from the old image',
      'order-changes',
      (batch) => {
        delete batch[3].dynamodb.OldImage.customerId
      },
      '1700000000000000000004',
      /OldImage[\s\S]*customerId/,
    ],
    [
      'a number where a string belongs',
      'order-changes',
      (batch) => {
        batch[0].dynamodb.NewImage.currency = { N: '978' }
      },
      '1700000000000000000001',
      /NewImage[\s\S]*currency/,
    ],
    [
      'an image not in AttributeValue form',
      'order-changes',
      (batch) => {
        batch[0].dynamodb.NewImage.customerId = 'cust-42'
      },
      '1700000000000000000001',
      /NewImage is not in AttributeValue form/,
    ],
    [
      'an amount beyond the safe integers (unmarshalled as a bigint)',
      'order-changes',
      (batch) => {
        batch[0].dynamodb.NewImage.totalAmount = { N: '123456789012345678901234' }
      },
      '1700000000000000000001',
      /NewImage[\s\S]*totalAmount/,
    ],
    [
      'a MODIFY without its old image (a NEW_IMAGE stream)',
      'order-changes',
      (batch) => {
        delete batch[1].dynamodb.OldImage
      },
      '1700000000000000000002',
      /MODIFY record carries no OldImage/,
    ],
    [
      'an INSERT without its new image (a KEYS_ONLY stream)',
      'user-changes',
      (batch) => {
        delete batch[0].dynamodb.NewImage
      },
      '1800000000000000000001',
      /INSERT record carries no NewImage/,
    ],
    [
      'a user status outside the contract',
      'user-changes',
      (batch) => {
        batch[2].dynamodb.NewImage.status = { S: 'banned' }
      },
      '1800000000000000000003',
      /NewImage[\s\S]*status/,
    ],
  ])(
    '(%s) fails the whole batch with UndecodableChange naming the record',
    async (_name, fixture, mutate, sequenceNumber, reason) => {
      // Prepare
      const batch = streamBatch(fixture)
      mutate(batch)

      // Act
      const exit = await (fixture === 'order-changes' ? decodeOrders(batch) : decodeUsers(batch))

      // Assess
      const failure = failureOf(exit)
      expect(failure).toBeInstanceOf(UndecodableChange)
      expect(failure).toMatchObject({ _tag: 'UndecodableChange', sequenceNumber })
      expect(failure?.reason).toMatch(reason)
      expect(failure?.message).toContain(`stream record ${sequenceNumber} does not decode`)
    },
  )
})

describe('the enrichment as Lambda runs it', () => {
  const runtime = ManagedRuntime.make(Layer.empty)
  afterAll(() => runtime.dispose())

  it('answers the JSON array Pipes turns into one event per element', async () => {
    const output = await invokeStep(decodeOrderChanges, runtime, streamBatch('order-changes'))

    expect(Array.isArray(output)).toBe(true)
    expect((output as Array<{ sequenceNumber: string }>).map((change) => change.sequenceNumber)).toEqual([
      '1700000000000000000001',
      '1700000000000000000002',
      '1700000000000000000003',
      '1700000000000000000004',
    ])
  })

  it('throws an error named UndecodableChange, which Pipes retries and then dead-letters', async () => {
    // Prepare
    const batch = streamBatch('user-changes')
    batch[1].dynamodb.OldImage.email = { NULL: true }

    // Act
    const thrown = await invokeStep(decodeUserChanges, runtime, batch).catch((error: unknown) => error)

    // Assess
    expect(thrown).toBeInstanceOf(StepError)
    expect(thrown).toMatchObject({ name: 'UndecodableChange' })
    expect((thrown as StepError).message).toMatch(/^stream record 1800000000000000000002 does not decode: OldImage/)
  })

  it('rejects a batch that is not DynamoDB stream records as InvalidInput', async () => {
    const batch = streamBatch('order-changes')
    batch[0].eventSource = 'aws:sqs'

    await expect(invokeStep(decodeOrderChanges, runtime, batch)).rejects.toMatchObject({ name: 'InvalidInput' })
  })
})
