import { imageUploaded, uploadBucketNotifications } from '../../../../../contracts/patterns'
import {
  compilePattern,
  InvalidEventPattern,
  matches,
  validatePattern,
} from '../../../../../infra/local/eventbridge/pattern'
import { awsEvent } from '../../../../support/fixtures'

/*
 * Each row is named after the rule it checks, with where the rule is written:
 *   [syntax]    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html (Event pattern syntax, considerations)
 *   [operators] https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *   [arrays]    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 *   [null]      https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 *   [ruler]     aws/event-ruler (README, JsonRuleCompiler, ByteMachine), the engine EventBridge runs, where the guide is silent
 */

type Json = Record<string, unknown>

const objectCreated = awsEvent('s3/object-created.json') as Json & { detail: Json }

/** The real S3 `Object Created` event, with `detail` fields replaced or added. */
const s3 = (detail: Json = {}, envelope: Json = {}): Json => ({
  ...objectCreated,
  ...envelope,
  detail: { ...objectCreated.detail, ...detail },
})
const s3Key = (key: string): Json => s3({ object: { ...(objectCreated.detail.object as Json), key } })
const detail = (fields: Json): Json => ({ source: 'test', detail: fields })

describe('matching', () => {
  it.each<[string, unknown, unknown, boolean]>([
    // Exact values
    [
      '[syntax] fields the pattern names must match: the S3 event by source and detail-type',
      { source: ['aws.s3'], 'detail-type': ['Object Created'] },
      s3(),
      true,
    ],
    [
      '[syntax] the event must contain every field the pattern names',
      { source: ['aws.s3'], detail: { 'storage-class': ['STANDARD'] } },
      s3(),
      false,
    ],
    [
      '[syntax] field names must appear with the same nesting structure',
      { bucket: { name: ['example-bucket'] } },
      s3(),
      false,
    ],
    ['[syntax] nested keys: detail.bucket.name', { detail: { bucket: { name: ['example-bucket'] } } }, s3(), true],
    [
      '[syntax] nested keys: a different bucket does not match',
      { detail: { bucket: { name: ['other-bucket'] } } },
      s3(),
      false,
    ],
    ['[syntax] fields the pattern does not name are ignored ("*": "*")', { account: ['123456789012'] }, s3(), true],
    ['[syntax] strings match character by character, without case-folding', { source: ['AWS.S3'] }, s3(), false],
    ['[syntax] strings match without any other normalization', { source: [' aws.s3'] }, s3(), false],
    ['[syntax] match values: the field matches any value in the array', { source: ['aws.ec2', 'aws.s3'] }, s3(), true],
    ['[syntax] match values: no value in the array matches', { source: ['aws.ec2', 'aws.fargate'] }, s3(), false],
    [
      '[operators] And: every field must match',
      { source: ['aws.s3'], detail: { reason: ['CopyObject'] } },
      s3(),
      false,
    ],
    [
      '[syntax] numbers: the object size matches as a JSON number',
      { detail: { object: { size: [184662] } } },
      s3(),
      true,
    ],
    ['[syntax] numbers: a different number does not match', { detail: { object: { size: [184663] } } }, s3(), false],
    [
      '[syntax] numbers: once parsed, 184662.0 is the number 184662',
      { detail: { object: { size: [184662.0] } } },
      s3(),
      true,
    ],
    [
      '[syntax] values follow JSON rules: the number 0 does not match the string "0"',
      { detail: { version: [0] } },
      s3(),
      false,
    ],
    [
      '[syntax] values follow JSON rules: the string "184662" does not match the number',
      { detail: { object: { size: ['184662'] } } },
      s3(),
      false,
    ],
    ['[syntax] true matches the JSON literal true', { detail: { flag: [true] } }, detail({ flag: true }), true],
    ['[syntax] true does not match the string "true"', { detail: { flag: [true] } }, detail({ flag: 'true' }), false],
    ['[syntax] false matches false and not true', { detail: { flag: [false] } }, detail({ flag: true }), false],
    [
      '[syntax] the project contract imageUploaded matches an upload under uploads/',
      imageUploaded('example-bucket'),
      s3Key('uploads/IMG_m7fzo3.jpg'),
      true,
    ],
    [
      '[syntax] the project contract imageUploaded ignores renditions under thumbnails/',
      imageUploaded('example-bucket'),
      s3Key('thumbnails/IMG_m7fzo3.jpg'),
      false,
    ],
    [
      '[syntax] the project contract imageUploaded ignores other buckets',
      imageUploaded('other-bucket'),
      s3Key('uploads/IMG_m7fzo3.jpg'),
      false,
    ],
    [
      "[syntax] the project contract uploadBucketNotifications matches the bucket's events under uploads/",
      uploadBucketNotifications('example-bucket'),
      s3Key('uploads/IMG_m7fzo3.jpg'),
      true,
    ],
    [
      '[syntax] the project contract uploadBucketNotifications matches order files under imports/',
      uploadBucketNotifications('example-bucket'),
      s3Key('imports/orders.csv'),
      true,
    ],
    [
      '[syntax] the project contract uploadBucketNotifications leaves renditions behind (nothing routes them)',
      uploadBucketNotifications('example-bucket'),
      s3Key('thumbnails/thumbnail/IMG_m7fzo3.jpg.jpeg'),
      false,
    ],
    [
      '[syntax] the project contract uploadBucketNotifications leaves import reports behind',
      uploadBucketNotifications('example-bucket'),
      s3Key('reports/orders.csv.json'),
      false,
    ],
    [
      '[syntax] a key named like an Object.prototype member is only an event field',
      { detail: { constructor: [{ exists: true }] } },
      s3(),
      false,
    ],
    [
      '[syntax] if a key is repeated, EventBridge uses the last one (pattern given as JSON text)',
      '{"detail":{"reason":["CopyObject"],"reason":["PutObject"]}}',
      s3(),
      true,
    ],

    // Null and empty strings
    [
      '[null] [null] matches a field whose value is null',
      { detail: { responseElements: [null] } },
      detail({ responseElements: null }),
      true,
    ],
    ['[null] [null] does not match a missing field', { detail: { responseElements: [null] } }, detail({}), false],
    ['[null] [""] matches an empty string', { detail: { eventVersion: [''] } }, detail({ eventVersion: '' }), true],
    [
      '[null] null and empty strings are not interchangeable: [""] does not match null',
      { detail: { eventVersion: [''] } },
      detail({ eventVersion: null }),
      false,
    ],
    [
      '[null] null and empty strings are not interchangeable: [null] does not match ""',
      { detail: { responseElements: [null] } },
      detail({ responseElements: '' }),
      false,
    ],
    [
      '[operators] comparison operators work on leaf nodes: a value does not match an object',
      { detail: { bucket: ['example-bucket'] } },
      s3(),
      false,
    ],
    [
      '[operators] comparison operators work on leaf nodes: [null] does not match an object',
      { detail: { bucket: [null] } },
      s3(),
      false,
    ],

    // Arrays
    [
      '[arrays] an event array matches when it shares a value with the pattern',
      { resources: ['arn:aws:s3:::example-bucket'] },
      s3(),
      true,
    ],
    [
      '[arrays] an event array does not match when it shares no value',
      { resources: ['arn:aws:s3:::other-bucket'] },
      s3(),
      false,
    ],
    [
      '[arrays] the intersection of the pattern array and the event array is non-empty (guide example)',
      {
        resources: [
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        ],
      },
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
      true,
    ],
    [
      '[arrays] an empty event array matches no value',
      { resources: ['arn:aws:s3:::example-bucket'] },
      s3({}, { resources: [] }),
      false,
    ],
    [
      '[ruler] nested event arrays are crushed into one',
      { detail: { tags: ['b'] } },
      detail({ tags: [['a'], ['b', 'c']] }),
      true,
    ],
    [
      '[ruler] a nested pattern matches an object inside an event array',
      { detail: { employees: { firstName: ['Anna'] } } },
      detail({
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
      }),
      true,
    ],
    [
      '[ruler] array consistency: fields of one nested pattern must come from the same element',
      { detail: { employees: { firstName: ['Anna'], lastName: ['Doe'] } } },
      detail({
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
      }),
      false,
    ],
    [
      '[ruler] array consistency: both fields from the same element match',
      { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } },
      detail({
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
      }),
      true,
    ],

    // prefix
    [
      '[operators] Begins with: prefix matches the start of the object key',
      { detail: { object: { key: [{ prefix: 'IMG_' }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Begins with: prefix is case-sensitive',
      { detail: { object: { key: [{ prefix: 'img_' }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Begins with: a prefix longer than the value does not match',
      { detail: { object: { key: [{ prefix: 'IMG_m7fzo3.jpg.bak' }] } } },
      s3(),
      false,
    ],
    [
      '[operators] prefix matching works on string values: not on numbers',
      { detail: { object: { size: [{ prefix: '18' }] } } },
      s3(),
      false,
    ],
    [
      '[operators] prefix needs the field: a missing field does not match',
      { detail: { missing: [{ prefix: 'IMG_' }] } },
      s3(),
      false,
    ],
    ['[arrays] prefix matches any element of an event array', { resources: [{ prefix: 'arn:aws:s3:::' }] }, s3(), true],
    ['[ruler] an empty prefix matches any string', { detail: { reason: [{ prefix: '' }] } }, s3(), true],
    [
      '[operators] Begins with (ignore case): prefix with equals-ignore-case',
      { detail: { object: { key: [{ prefix: { 'equals-ignore-case': 'img_M7' } }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Begins with (ignore case): a different prefix does not match',
      { detail: { object: { key: [{ prefix: { 'equals-ignore-case': 'png_' } }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Begins with (ignore case): numbers never match',
      { detail: { object: { size: [{ prefix: { 'equals-ignore-case': '18' } }] } } },
      s3(),
      false,
    ],

    // suffix
    [
      '[operators] Ends with: suffix matches the file extension',
      { detail: { object: { key: [{ suffix: '.jpg' }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Ends with: another extension does not match',
      { detail: { object: { key: [{ suffix: '.png' }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Ends with: suffix is case-sensitive',
      { detail: { object: { key: [{ suffix: '.JPG' }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Ends with: suffix matches string values only',
      { detail: { object: { size: [{ suffix: '62' }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Ends with (ignore case): suffix with equals-ignore-case',
      { detail: { object: { key: [{ suffix: { 'equals-ignore-case': '.JPG' } }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Ends with (ignore case): another extension does not match',
      { detail: { object: { key: [{ suffix: { 'equals-ignore-case': '.PNG' } }] } } },
      s3(),
      false,
    ],

    // equals-ignore-case
    [
      '[operators] Equals (ignore case): any casing of the detail-type',
      { 'detail-type': [{ 'equals-ignore-case': 'object CREATED' }] },
      s3(),
      true,
    ],
    [
      '[operators] Equals (ignore case): a different string does not match',
      { 'detail-type': [{ 'equals-ignore-case': 'object deleted' }] },
      s3(),
      false,
    ],
    [
      '[operators] Equals (ignore case): it is not a prefix match',
      { 'detail-type': [{ 'equals-ignore-case': 'object' }] },
      s3(),
      false,
    ],
    [
      '[operators] Equals (ignore case) works on string values: not on numbers',
      { detail: { object: { size: [{ 'equals-ignore-case': '184662' }] } } },
      s3(),
      false,
    ],

    // wildcard
    [
      '[operators] Wildcard: * matches any run of characters',
      { detail: { object: { key: [{ wildcard: 'IMG_*.jpg' }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Wildcard: the literal parts must still match',
      { detail: { object: { key: [{ wildcard: 'IMG_*.png' }] } } },
      s3(),
      false,
    ],
    ['[operators] Wildcard: * alone matches any string', { detail: { reason: [{ wildcard: '*' }] } }, s3(), true],
    [
      '[operators] Wildcard: * matches an empty run',
      { detail: { object: { key: [{ wildcard: 'IMG_m7fzo3*.jpg' }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Wildcard: several wildcards in one value',
      { 'detail-type': [{ wildcard: '*bj*t C*d' }] },
      s3(),
      true,
    ],
    [
      '[operators] Wildcard: literal parts cannot overlap',
      { detail: { name: [{ wildcard: 'ab*ba' }] } },
      detail({ name: 'aba' }),
      false,
    ],
    [
      '[operators] Wildcard: matching is case-sensitive',
      { detail: { object: { key: [{ wildcard: 'img_*' }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Wildcard: without * it is an exact match',
      { detail: { object: { key: [{ wildcard: 'IMG_m7fzo3.jpg' }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Wildcard works on string values: not on numbers',
      { detail: { object: { size: [{ wildcard: '*' }] } } },
      s3(),
      false,
    ],
    [
      '[ruler] Wildcard: \\* matches a literal asterisk',
      { detail: { name: [{ wildcard: 'a\\*b' }] } },
      detail({ name: 'a*b' }),
      true,
    ],
    [
      '[ruler] Wildcard: \\* does not match another character',
      { detail: { name: [{ wildcard: 'a\\*b' }] } },
      detail({ name: 'axb' }),
      false,
    ],
    [
      '[ruler] Wildcard: \\\\ matches a literal backslash',
      { detail: { name: [{ wildcard: 'a\\\\*' }] } },
      detail({ name: 'a\\b' }),
      true,
    ],
    [
      '[operators] Wildcard: a .png in folder "dir" (guide example)',
      { detail: { FileName: [{ wildcard: 'dir/*.png' }] } },
      detail({ FileName: 'dir/image.png' }),
      true,
    ],

    // anything-but
    [
      '[operators] Anything-but: any value besides the one given',
      { detail: { reason: [{ 'anything-but': 'CopyObject' }] } },
      s3(),
      true,
    ],
    [
      '[operators] Anything-but: the value given does not match',
      { detail: { reason: [{ 'anything-but': 'PutObject' }] } },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but: a list of strings',
      { detail: { reason: [{ 'anything-but': ['CopyObject', 'PutObject'] }] } },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but: a list of strings without the value',
      { detail: { reason: [{ 'anything-but': ['CopyObject', 'CompleteMultipartUpload'] }] } },
      s3(),
      true,
    ],
    [
      '[operators] Anything-but: a single number',
      { detail: { object: { size: [{ 'anything-but': 123 }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Anything-but: the number given does not match',
      { detail: { object: { size: [{ 'anything-but': 184662 }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but: a list of numbers',
      { detail: { object: { size: [{ 'anything-but': [100, 184662, 300] }] } } },
      s3(),
      false,
    ],
    [
      '[ruler] Anything-but: a string never excludes a number',
      { detail: { object: { size: [{ 'anything-but': ['184662'] }] } } },
      s3(),
      true,
    ],
    [
      '[ruler] Anything-but: a number never excludes a string',
      { detail: { version: [{ 'anything-but': [0] }] } },
      s3(),
      true,
    ],
    [
      '[ruler] Anything-but: null is a value besides the ones given',
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      detail({ state: null }),
      true,
    ],
    [
      '[operators] Anything-but works on leaf nodes: a missing field does not match',
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but works on leaf nodes: an object does not match',
      { detail: { bucket: [{ 'anything-but': 'x' }] } },
      s3(),
      false,
    ],
    [
      '[arrays] Anything-but: an event array matches when some element is not excluded',
      { resources: [{ 'anything-but': 'arn:aws:s3:::example-bucket' }] },
      s3({}, { resources: ['arn:aws:s3:::example-bucket', 'arn:aws:s3:::other-bucket'] }),
      true,
    ],
    [
      '[arrays] Anything-but: an event array whose only element is excluded does not match',
      { resources: [{ 'anything-but': 'arn:aws:s3:::example-bucket' }] },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but (begins with): the object key does not start with thumbnails/',
      { detail: { object: { key: [{ 'anything-but': { prefix: 'thumbnails/' } }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Anything-but (begins with): a key starting with the prefix does not match',
      { detail: { object: { key: [{ 'anything-but': { prefix: 'IMG_' } }] } } },
      s3(),
      false,
    ],
    [
      '[ruler] Anything-but (begins with): a list of prefixes',
      { region: [{ 'anything-but': { prefix: ['us-', 'eu-'] } }] },
      s3(),
      false,
    ],
    [
      '[ruler] Anything-but (begins with): a list none of which applies',
      { region: [{ 'anything-but': { prefix: ['us-', 'ap-'] } }] },
      s3(),
      true,
    ],
    [
      '[operators] Anything-but (ends with): the key does not end with .png',
      { detail: { object: { key: [{ 'anything-but': { suffix: '.png' } }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Anything-but (ends with): a key ending with the suffix does not match',
      { detail: { object: { key: [{ 'anything-but': { suffix: '.jpg' } }] } } },
      s3(),
      false,
    ],
    [
      '[ruler] Anything-but (ends with): a list of suffixes',
      { detail: { object: { key: [{ 'anything-but': { suffix: ['.png', '.jpg'] } }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but (ignore case): any casing of the value is excluded',
      { detail: { reason: [{ 'anything-but': { 'equals-ignore-case': 'PUTOBJECT' } }] } },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but (ignore case): another value matches',
      { detail: { reason: [{ 'anything-but': { 'equals-ignore-case': 'copyobject' } }] } },
      s3(),
      true,
    ],
    [
      '[ruler] Anything-but (ignore case): a list of strings',
      { detail: { reason: [{ 'anything-but': { 'equals-ignore-case': ['copyobject', 'putobject'] } }] } },
      s3(),
      false,
    ],
    [
      '[operators] Anything-but using a wildcard: a path without /lib/ matches',
      { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      detail({ FilePath: '/usr/bin/node' }),
      true,
    ],
    [
      '[operators] Anything-but using a wildcard: a path with /lib/ does not match',
      { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      detail({ FilePath: '/usr/lib/node' }),
      false,
    ],
    [
      '[ruler] Anything-but using a wildcard: a list of wildcards',
      { detail: { object: { key: [{ 'anything-but': { wildcard: ['*.png', 'IMG_*'] } }] } } },
      s3(),
      false,
    ],

    // numeric
    [
      '[operators] Numeric (equals): = the object size',
      { detail: { object: { size: [{ numeric: ['=', 184662] }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Numeric (equals): = compares numbers, 1.84662e5 is 184662',
      { detail: { object: { size: [{ numeric: ['=', 1.84662e5] }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Numeric (equals): a different number does not match',
      { detail: { object: { size: [{ numeric: ['=', 100] }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Numeric: > matches a larger value',
      { detail: { object: { size: [{ numeric: ['>', 0] }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Numeric: > excludes the bound itself',
      { detail: { object: { size: [{ numeric: ['>', 184662] }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Numeric: >= includes the bound',
      { detail: { object: { size: [{ numeric: ['>=', 184662] }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Numeric: < matches a smaller value only',
      { detail: { object: { size: [{ numeric: ['<', 1000] }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Numeric: <= includes the bound',
      { detail: { object: { size: [{ numeric: ['<=', 184662] }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Numeric (range): more than 100000 and at most 200000',
      { detail: { object: { size: [{ numeric: ['>', 100000, '<=', 200000] }] } } },
      s3(),
      true,
    ],
    [
      '[operators] Numeric (range): a value above the range does not match',
      { detail: { object: { size: [{ numeric: ['>', 0, '<', 184662] }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Numeric (range): the lower bound is exclusive with >',
      { detail: { object: { size: [{ numeric: ['>', 184662, '<', 200000] }] } } },
      s3(),
      false,
    ],
    [
      '[operators] Numeric (range): the guide example c-count > 0, <= 5',
      { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
      detail({ 'c-count': 5 }),
      true,
    ],
    [
      '[operators] Numeric: decimals and negatives',
      { detail: { 'x-limit': [{ numeric: ['>=', -0.5, '<', 301.9] }] } },
      detail({ 'x-limit': 301.8 }),
      true,
    ],
    [
      '[operators] Numeric matching works with JSON numbers: not with a numeric string',
      { detail: { 'c-count': [{ numeric: ['>', 0] }] } },
      detail({ 'c-count': '5' }),
      false,
    ],
    [
      '[arrays] Numeric: an event array matches when any element is in range',
      { detail: { counts: [{ numeric: ['>', 10] }] } },
      detail({ counts: [1, 50] }),
      true,
    ],
    [
      '[operators] Numeric needs the field: a missing field does not match',
      { detail: { missing: [{ numeric: ['>', 0] }] } },
      s3(),
      false,
    ],

    // exists
    [
      '[operators] Exists: a present leaf field matches exists: true',
      { detail: { reason: [{ exists: true }] } },
      s3(),
      true,
    ],
    [
      '[operators] Exists: a missing field does not match exists: true',
      { detail: { state: [{ exists: true }] } },
      s3(),
      false,
    ],
    [
      '[operators] Exists matching only works on leaf nodes: an object does not match exists: true',
      { detail: { bucket: [{ exists: true }] } },
      s3(),
      false,
    ],
    [
      '[operators] Does not exist: a missing field matches exists: false',
      { detail: { state: [{ exists: false }] } },
      s3(),
      true,
    ],
    [
      '[operators] Does not exist: a present field does not match exists: false',
      { detail: { reason: [{ exists: false }] } },
      s3(),
      false,
    ],
    [
      '[ruler] Does not exist: an intermediate node is not a leaf, so exists: false matches',
      { detail: { bucket: [{ exists: false }] } },
      s3(),
      true,
    ],
    [
      '[ruler] Does not exist: a missing parent object matches exists: false',
      { detail: { 'c-count': { c1: [{ exists: false }] } } },
      s3(),
      true,
    ],
    [
      '[ruler] Exists: a null value is present',
      { detail: { responseElements: [{ exists: true }] } },
      detail({ responseElements: null }),
      true,
    ],
    ['[arrays] Exists: an array of values is present', { resources: [{ exists: true }] }, s3(), true],
    [
      '[ruler] Exists: an empty array holds no value',
      { resources: [{ exists: true }] },
      s3({}, { resources: [] }),
      false,
    ],
    [
      '[ruler] Does not exist: an empty array matches exists: false',
      { resources: [{ exists: false }] },
      s3({}, { resources: [] }),
      true,
    ],
    [
      '[ruler] Does not exist: one array element lacking the field does not make it absent',
      { detail: { items: { sku: [{ exists: false }] } } },
      detail({ items: [{ sku: 'a' }, { qty: 1 }] }),
      false,
    ],
    [
      '[ruler] Does not exist: absent from every array element',
      { detail: { items: { sku: [{ exists: false }] } } },
      detail({ items: [{ qty: 1 }, { qty: 2 }] }),
      true,
    ],
    [
      '[ruler] Exists: a value or absence listed together match either way',
      { detail: { state: ['running', { exists: false }] } },
      s3(),
      true,
    ],

    // cidr
    [
      '[operators] IP address: the guide example 10.0.0.0/24 matches 10.0.0.33',
      { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
      detail({ sourceIPAddress: '10.0.0.33' }),
      true,
    ],
    [
      '[operators] IP address: 10.0.0.0/24 does not match 10.0.1.1',
      { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
      detail({ sourceIPAddress: '10.0.1.1' }),
      false,
    ],
    [
      '[operators] IP address: the S3 requester address is in 34.252.0.0/16',
      { detail: { 'source-ip-address': [{ cidr: '34.252.0.0/16' }] } },
      s3(),
      true,
    ],
    [
      '[operators] IP address: the S3 requester address is not in 35.0.0.0/8',
      { detail: { 'source-ip-address': [{ cidr: '35.0.0.0/8' }] } },
      s3(),
      false,
    ],
    [
      '[ruler] IP address: host bits in the pattern are ignored',
      { detail: { 'source-ip-address': [{ cidr: '34.252.34.1/24' }] } },
      s3(),
      true,
    ],
    [
      '[ruler] IP address: /0 matches every IPv4 address',
      { detail: { 'source-ip-address': [{ cidr: '0.0.0.0/0' }] } },
      s3(),
      true,
    ],
    [
      '[operators] IP address: IPv6 2001:db8::/32 matches 2001:db8::1',
      { detail: { ip: [{ cidr: '2001:db8::/32' }] } },
      detail({ ip: '2001:db8::1' }),
      true,
    ],
    [
      '[operators] IP address: IPv6 matches the uncompressed, upper-case form',
      { detail: { ip: [{ cidr: '2001:db8::/32' }] } },
      detail({ ip: '2001:0DB8:0:0:0:0:0:ff' }),
      true,
    ],
    [
      '[operators] IP address: IPv6 2001:db8::/32 does not match 2001:db9::1',
      { detail: { ip: [{ cidr: '2001:db8::/32' }] } },
      detail({ ip: '2001:db9::1' }),
      false,
    ],
    [
      '[ruler] IP address: an IPv4 range does not match an IPv6 address',
      { detail: { ip: [{ cidr: '0.0.0.0/0' }] } },
      detail({ ip: '::1' }),
      false,
    ],
    [
      '[ruler] IP address: an IPv4-mapped IPv6 address is its IPv4 address',
      { detail: { ip: [{ cidr: '10.0.0.0/8' }] } },
      detail({ ip: '::ffff:a00:1' }),
      true,
    ],
    [
      '[ruler] IP address: a string that is not an address does not match',
      { detail: { ip: [{ cidr: '10.0.0.0/8' }] } },
      detail({ ip: '10.0.0' }),
      false,
    ],
    [
      '[ruler] IP address: octets above 255 are not an address',
      { detail: { ip: [{ cidr: '10.0.0.0/8' }] } },
      detail({ ip: '10.0.0.256' }),
      false,
    ],
    [
      '[ruler] IP address: a number does not match',
      { detail: { ip: [{ cidr: '0.0.0.0/0' }] } },
      detail({ ip: 167772161 }),
      false,
    ],
    [
      '[ruler] exact values: an address literal matches the same address written differently',
      { detail: { ip: ['2001:db8::1'] } },
      detail({ ip: '2001:0db8:0:0:0:0:0:1' }),
      true,
    ],

    // $or
    [
      '[operators] Or (multiple fields): the guide example matches on c-count',
      {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      },
      detail({ 'c-count': 3, 'd-count': 99, 'x-limit': 0 }),
      true,
    ],
    [
      '[operators] Or (multiple fields): the guide example matches on x-limit',
      {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      },
      detail({ 'c-count': 9, 'd-count': 99, 'x-limit': 301.8 }),
      true,
    ],
    [
      '[operators] Or (multiple fields): no branch matches',
      { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } },
      detail({ 'c-count': 9, 'd-count': 99 }),
      false,
    ],
    [
      '[operators] Or at the top level: Location is "New York", or Day is "Monday"',
      { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
      { Location: 'Paris', Day: 'Monday' },
      true,
    ],
    [
      '[operators] Or combined with And: source and (reason or key)',
      { source: ['aws.s3'], detail: { $or: [{ reason: ['CopyObject'] }, { object: { key: [{ suffix: '.jpg' }] } }] } },
      s3(),
      true,
    ],
    [
      '[operators] Or combined with And: the And field still has to match',
      { source: ['aws.ec2'], $or: [{ region: ['eu-west-1'] }, { account: ['1'] }] },
      s3(),
      false,
    ],
    [
      '[ruler] Or nested in an Or branch',
      {
        $or: [
          { source: ['aws.ec2'] },
          { region: ['eu-west-1'], $or: [{ account: ['1'] }, { detail: { reason: ['PutObject'] } }] },
        ],
      },
      s3(),
      true,
    ],
    [
      '[ruler] Or nested in an Or branch: the inner Or fails',
      {
        $or: [
          { source: ['aws.ec2'] },
          { region: ['eu-west-1'], $or: [{ account: ['1'] }, { detail: { reason: ['Copy'] } }] },
        ],
      },
      s3(),
      false,
    ],
    [
      '[ruler] parallel Ors at two levels both have to match',
      {
        $or: [{ source: ['aws.s3'] }, { account: ['1'] }],
        detail: { $or: [{ reason: ['Copy'] }, { requester: ['1'] }] },
      },
      s3(),
      false,
    ],
    [
      '[ruler] an Or branch can use exists: false',
      { detail: { $or: [{ reason: ['CopyObject'] }, { 'storage-class': [{ exists: false }] }] } },
      s3(),
      true,
    ],
    [
      '[ruler] an Or inside a nested pattern keeps array consistency',
      { detail: { items: { $or: [{ sku: ['a'] }, { qty: [2] }], color: ['red'] } } },
      detail({
        items: [
          { sku: 'a', color: 'blue' },
          { qty: 2, color: 'red' },
        ],
      }),
      true,
    ],
    [
      '[ruler] an Or inside a nested pattern: the Or and the field from different elements do not match',
      { detail: { items: { $or: [{ sku: ['a'] }, { qty: [2] }], color: ['red'] } } },
      detail({
        items: [
          { sku: 'a', color: 'blue' },
          { qty: 3, color: 'red' },
        ],
      }),
      false,
    ],

    // Several operators together
    [
      '[operators] several operators on one pattern (guide complex example)',
      {
        time: [{ prefix: '2023-03-08' }],
        detail: {
          reason: [{ 'anything-but': 'CopyObject' }],
          object: { size: [{ numeric: ['>', 0, '<=', 5e6] }], key: [{ suffix: '.jpg' }] },
          'source-ip-address': [{ cidr: '34.0.0.0/8' }],
        },
      },
      s3(),
      true,
    ],
    [
      '[operators] several values in one field: an exact value or a prefix',
      { detail: { object: { key: ['other.jpg', { prefix: 'IMG_' }] } } },
      s3(),
      true,
    ],
  ])('%s', (_rule, pattern, event, expected) => {
    expect(compilePattern(pattern)(event)).toBe(expected)
    expect(matches(pattern, event)).toBe(expected)
  })
})

describe('invalid patterns', () => {
  it.each<[string, unknown, string]>([
    // Shape
    ['[ruler] the pattern must be an object: null', null, 'Filter is not an object'],
    ['[ruler] the pattern must be an object: an array', [{ source: ['aws.s3'] }], 'Filter is not an object'],
    ['[ruler] the pattern must be an object: JSON text of an array', '["aws.s3"]', 'Filter is not an object'],
    ['[ruler] the pattern must be valid JSON text', '{"source": [', 'Invalid JSON'],
    ['[ruler] an empty pattern {} is refused', {}, 'Empty objects are not allowed'],
    ['[ruler] an empty nested object is refused', { source: ['aws.s3'], detail: {} }, 'Empty objects are not allowed'],
    [
      '[syntax] the value to match is in a JSON array: a bare string is refused',
      { source: 'aws.s3' },
      '"source" must be an object or an array',
    ],
    [
      '[syntax] the value to match is in a JSON array: a bare number is refused',
      { detail: { size: 5 } },
      '"size" must be an object or an array',
    ],
    [
      '[syntax] the value to match is in a JSON array: null is refused',
      { source: null },
      '"source" must be an object or an array',
    ],
    [
      '[ruler] an empty array of values is refused (it does not match nothing)',
      { source: [] },
      'Empty arrays are not allowed',
    ],
    [
      '[syntax] match values follow JSON rules: no nested arrays',
      { source: [['aws.s3']] },
      'Match value must be String, number, true, false, or null',
    ],
    [
      '[syntax] match values follow JSON rules: no NaN',
      { count: [Number.NaN] },
      'Match value must be String, number, true, false, or null',
    ],
    ['[ruler] a match expression needs an operator', { source: [{}] }, 'Match expression name not found'],
    [
      '[ruler] a match expression takes one operator',
      { source: [{ prefix: 'aws.', suffix: '.s3' }] },
      'Only one key allowed in match expression',
    ],
    [
      '[operators] an operator the guide does not list is refused',
      { source: [{ contains: 's3' }] },
      'Unrecognized match type contains',
    ],
    ['[ruler] operator names are case-sensitive', { source: [{ Prefix: 'aws.' }] }, 'Unrecognized match type Prefix'],

    // prefix / suffix / equals-ignore-case
    [
      '[operators] prefix matching is for strings: a number is refused',
      { source: [{ prefix: 3 }] },
      'prefix match pattern must be a string',
    ],
    [
      '[operators] prefix matching is for strings: a list is refused',
      { source: [{ prefix: ['aws.'] }] },
      'prefix match pattern must be a string',
    ],
    [
      '[operators] prefix matching is for strings: null is refused',
      { source: [{ prefix: null }] },
      'prefix match pattern must be a string',
    ],
    [
      '[ruler] prefix takes only equals-ignore-case inside',
      { source: [{ prefix: { 'anything-but': 'x' } }] },
      'Unsupported prefix pattern: anything-but',
    ],
    [
      '[ruler] prefix with an empty object is refused',
      { source: [{ prefix: {} }] },
      'Prefix expression name not found',
    ],
    [
      '[ruler] prefix equals-ignore-case must be a string',
      { source: [{ prefix: { 'equals-ignore-case': 5 } }] },
      'equals-ignore-case match pattern must be a string',
    ],
    [
      '[ruler] prefix equals-ignore-case takes one key',
      { source: [{ prefix: { 'equals-ignore-case': 'a', x: 'b' } }] },
      'Only one key allowed in match expression',
    ],
    [
      '[operators] suffix matching is for strings: a list is refused (the CDK Match.suffix bug)',
      { key: [{ suffix: ['created'] }] },
      'suffix match pattern must be a string',
    ],
    [
      '[ruler] suffix takes only equals-ignore-case inside',
      { key: [{ suffix: { prefix: 'x' } }] },
      'Unsupported suffix pattern: prefix',
    ],
    [
      '[ruler] suffix equals-ignore-case must be a string',
      { key: [{ suffix: { 'equals-ignore-case': ['.png'] } }] },
      'equals-ignore-case match pattern must be a string',
    ],
    [
      '[operators] equals-ignore-case works on strings: a number is refused',
      { source: [{ 'equals-ignore-case': 5 }] },
      'equals-ignore-case match pattern must be a string',
    ],
    [
      '[operators] equals-ignore-case takes one string, not a list',
      { source: [{ 'equals-ignore-case': ['a'] }] },
      'equals-ignore-case match pattern must be a string',
    ],

    // wildcard
    [
      '[operators] wildcard works on strings: a number is refused',
      { key: [{ wildcard: 5 }] },
      'wildcard match pattern must be a string',
    ],
    [
      '[operators] wildcard takes one string, not a list',
      { key: [{ wildcard: ['*.png'] }] },
      'wildcard match pattern must be a string',
    ],
    [
      '[ruler] wildcard: consecutive wildcard characters are refused',
      { key: [{ wildcard: 'a**b' }] },
      'Consecutive wildcard characters at pos 2',
    ],
    [
      '[ruler] wildcard: positions count the opening quote, as EventBridge reports them',
      { key: [{ wildcard: 'abc**def' }] },
      'Consecutive wildcard characters at pos 4',
    ],
    [
      '[ruler] wildcard: only * and \\ can be escaped',
      { key: [{ wildcard: 'a\\d' }] },
      'Invalid escape character at pos 2',
    ],
    [
      '[ruler] wildcard: a trailing backslash escapes nothing',
      { key: [{ wildcard: 'ab\\' }] },
      'Invalid escape character at pos 3',
    ],

    // anything-but
    [
      '[operators] anything-but works with strings and numbers: null is refused',
      { state: [{ 'anything-but': null }] },
      'Value of anything-but must be an array or single string/number value.',
    ],
    [
      '[operators] anything-but works with strings and numbers: true is refused',
      { state: [{ 'anything-but': true }] },
      'Value of anything-but must be an array or single string/number value.',
    ],
    [
      '[operators] anything-but lists contain only strings or only numbers',
      { state: [{ 'anything-but': ['stopped', 1] }] },
      'mixed type is not supported',
    ],
    ['[ruler] anything-but lists cannot be empty', { state: [{ 'anything-but': [] }] }, 'mixed type is not supported'],
    [
      '[ruler] anything-but lists cannot hold null',
      { state: [{ 'anything-but': ['stopped', null] }] },
      'start|null|boolean is not supported',
    ],
    [
      '[ruler] anything-but lists cannot hold objects',
      { state: [{ 'anything-but': [{ prefix: 'x' }] }] },
      'start|null|boolean is not supported',
    ],
    [
      '[ruler] anything-but cannot nest anything-but',
      { state: [{ 'anything-but': { 'anything-but': 'stopped' } }] },
      'Unsupported anything-but pattern: anything-but',
    ],
    [
      '[ruler] anything-but takes no numeric',
      { state: [{ 'anything-but': { numeric: ['>', 1] } }] },
      'Unsupported anything-but pattern: numeric',
    ],
    [
      '[ruler] anything-but takes no exists',
      { state: [{ 'anything-but': { exists: true } }] },
      'Unsupported anything-but pattern: exists',
    ],
    [
      '[ruler] anything-but with an empty object is refused',
      { state: [{ 'anything-but': {} }] },
      'Anything-But expression name not found',
    ],
    [
      '[ruler] anything-but takes one inner operator',
      { state: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] },
      'Only one key allowed in match expression',
    ],
    [
      '[ruler] anything-but prefix cannot be empty',
      { state: [{ 'anything-but': { prefix: '' } }] },
      'Null prefix/suffix not allowed',
    ],
    [
      '[ruler] anything-but suffix list cannot hold an empty string',
      { state: [{ 'anything-but': { suffix: ['.png', ''] } }] },
      'Null prefix/suffix not allowed',
    ],
    [
      '[ruler] anything-but prefix must be a string',
      { state: [{ 'anything-but': { prefix: 27 } }] },
      'prefix/suffix match pattern must be a string',
    ],
    [
      '[ruler] anything-but suffix list holds strings only',
      { state: [{ 'anything-but': { suffix: [1, 2] } }] },
      'prefix/suffix match pattern must be a string',
    ],
    [
      '[ruler] anything-but equals-ignore-case holds strings only',
      { state: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
      'number|start|null|boolean is not supported',
    ],
    [
      '[ruler] anything-but wildcard must be a string',
      { state: [{ 'anything-but': { wildcard: 27 } }] },
      'wildcard match pattern must be a string',
    ],
    [
      '[ruler] anything-but wildcard refuses consecutive wildcards',
      { state: [{ 'anything-but': { wildcard: ['*.png', 'foo**bar'] } }] },
      'Consecutive wildcard characters',
    ],
    [
      '[ruler] anything-but with a null prefix operand is refused',
      { state: [{ 'anything-but': { prefix: null } }] },
      'Value of anything-but must be an array or single string/number value.',
    ],

    // numeric
    ['[operators] numeric takes an array', { size: [{ numeric: 5 }] }, 'Value of numeric must be an array.'],
    ['[ruler] numeric needs an operator first', { size: [{ numeric: [] }] }, 'Invalid member in numeric match'],
    [
      '[ruler] numeric needs an operator, not a number, first',
      { size: [{ numeric: [5, '>'] }] },
      'Invalid member in numeric match: 5',
    ],
    [
      '[operators] numeric operators are = < <= > >=: == is refused',
      { size: [{ numeric: ['==', 5] }] },
      'Unrecognized numeric range operator: ==',
    ],
    [
      '[operators] numeric operators are = < <= > >=: != is refused',
      { size: [{ numeric: ['!=', 5] }] },
      'Unrecognized numeric range operator: !=',
    ],
    [
      '[operators] numeric compares with a number: a string is refused',
      { size: [{ numeric: ['=', '5'] }] },
      'Value of = must be numeric',
    ],
    [
      '[operators] numeric compares with a number: true is refused',
      { size: [{ numeric: ['<', true] }] },
      'Value of < must be numeric',
    ],
    [
      '[operators] numeric needs the number after the operator',
      { size: [{ numeric: ['>='] }] },
      'Value of >= must be numeric',
    ],
    [
      '[ruler] numeric = takes one number',
      { size: [{ numeric: ['=', 1, 2] }] },
      'Too many elements in numeric expression',
    ],
    [
      '[ruler] numeric range: the lower bound comes first',
      { size: [{ numeric: ['<', 10, '>', 0] }] },
      'Too many elements in numeric expression',
    ],
    [
      '[ruler] numeric range: the upper operator is < or <=',
      { size: [{ numeric: ['>', 0, '>', 5] }] },
      'Bad numeric range operator: >',
    ],
    [
      '[ruler] numeric range: the upper operator is = never',
      { size: [{ numeric: ['>', 0, '=', 5] }] },
      'Bad numeric range operator: =',
    ],
    [
      '[ruler] numeric range: an operator goes between the bounds',
      { size: [{ numeric: ['>', 0, 5] }] },
      'Bad value in numeric range: 5',
    ],
    [
      '[ruler] numeric range: the upper bound must be a number',
      { size: [{ numeric: ['>', 0, '<', '5'] }] },
      'Value of < must be numeric',
    ],
    [
      '[ruler] numeric range: the bottom must be below the top',
      { size: [{ numeric: ['>', 30, '<', 1] }] },
      'Bottom must be less than top',
    ],
    [
      '[ruler] numeric range: equal bounds are refused even when both inclusive',
      { size: [{ numeric: ['>=', 5, '<=', 5] }] },
      'Bottom must be less than top',
    ],
    [
      '[ruler] numeric range: no more than four terms',
      { size: [{ numeric: ['>', 1, '<', 30, false] }] },
      'Too many terms in numeric range expression',
    ],
    [
      '[syntax] numbers follow JSON rules: Infinity is refused',
      { size: [{ numeric: ['<', Number.POSITIVE_INFINITY] }] },
      'Value of < must be numeric',
    ],

    // exists
    [
      '[operators] exists takes true or false: a string is refused',
      { state: [{ exists: 'true' }] },
      'exists match pattern must be either true or false.',
    ],
    [
      '[operators] exists takes true or false: a number is refused',
      { state: [{ exists: 1 }] },
      'exists match pattern must be either true or false.',
    ],
    [
      '[operators] exists takes true or false: null is refused',
      { state: [{ exists: null }] },
      'exists match pattern must be either true or false.',
    ],

    // cidr
    ['[operators] cidr takes a string', { ip: [{ cidr: 10 }] }, 'cidr match pattern must be a string'],
    ['[ruler] cidr needs a mask', { ip: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required"],
    ['[ruler] cidr takes one /', { ip: [{ cidr: '10.0.0.0/8/8' }] }, "Malformed CIDR, one '/' required"],
    [
      '[ruler] cidr mask bits are an integer',
      { ip: [{ cidr: '10.0.0.0/x' }] },
      'Malformed CIDR, mask bits must be an integer',
    ],
    [
      '[ruler] cidr mask bits are not negative',
      { ip: [{ cidr: '10.0.0.0/-1' }] },
      'Malformed CIDR, mask bits must not be negative',
    ],
    [
      '[ruler] cidr IPv4 mask bits must be below 32',
      { ip: [{ cidr: '192.168.0.1/33' }] },
      'IPv4 mask bits must be < 32',
    ],
    [
      '[ruler] cidr IPv4 /32 is refused (event-ruler: mask bits must be < 32)',
      { ip: [{ cidr: '192.168.0.1/32' }] },
      'IPv4 mask bits must be < 32',
    ],
    [
      '[ruler] cidr IPv6 mask bits must be below 128',
      { ip: [{ cidr: '2400:6500:FF00::36FB:1F80/222' }] },
      'IPv6 mask bits must be < 128',
    ],
    [
      '[ruler] cidr needs an address: a host name is refused',
      { ip: [{ cidr: 'snorkle/3' }] },
      'Invalid IP address: snorkle',
    ],
    [
      '[ruler] cidr needs an address: an octet above 255 is refused',
      { ip: [{ cidr: '256.0.0.0/8' }] },
      'Invalid IP address: 256.0.0.0',
    ],
    [
      '[ruler] cidr needs an address: five octets are refused',
      { ip: [{ cidr: '10.10.10.10.10/3' }] },
      'Invalid IP address',
    ],
    [
      '[ruler] cidr needs an address: nine IPv6 groups are refused',
      { ip: [{ cidr: '1:2:3:4:5:6:7:8:9/64' }] },
      'Invalid IP address',
    ],
    ['[ruler] cidr needs an address: two :: are refused', { ip: [{ cidr: '1::2::3/64' }] }, 'Invalid IP address'],

    // $or
    ['[operators] $or takes an array', { $or: { source: ['aws.s3'] } }, 'It must be an Array followed with $or.'],
    [
      '[ruler] $or takes at least 2 objects: none',
      { $or: [] },
      'There must have at least 2 Objects in $or relationship.',
    ],
    [
      '[ruler] $or takes at least 2 objects: one',
      { $or: [{ source: ['aws.s3'] }] },
      'There must have at least 2 Objects in $or relationship.',
    ],
    [
      '[ruler] $or takes objects only',
      { $or: [{ source: ['aws.s3'] }, ['aws.ec2']] },
      'Only JSON object is allowed in array of $or relationship.',
    ],
    ['[ruler] $or branches cannot be empty', { $or: [{ source: ['aws.s3'] }, {}] }, 'Empty objects are not allowed'],
    [
      '[ruler] $or branches cannot use an operator as a field name',
      { $or: [{ numeric: [123] }, { prefix: ['abc'] }] },
      'numeric is Ruler reserved fieldName which cannot be used inside $or.',
    ],
    [
      '[ruler] $or branches cannot use an operator as a field name at any depth',
      { $or: [{ detail: { 'anything-but': ['x'] } }, { source: ['a'] }] },
      'anything-but is Ruler reserved fieldName',
    ],
    [
      '[ruler] $or branches are validated like any pattern',
      { detail: { $or: [{ size: [{ numeric: ['>'] }] }, { source: ['a'] }] } },
      'Value of > must be numeric',
    ],
    [
      '[syntax] $or that results in over 1000 rule combinations is refused (11 x 10 x 10)',
      { $or: orOf(11, 'a'), detail: { $or: orOf(10, 'b') }, x: { $or: orOf(10, 'c') } },
      'over the limit of 1000',
    ],
    [
      '[syntax] nested $or combinations multiply too (2 x (10 + 10 x 10) x 5)',
      {
        $or: [{ a: ['1'] }, { b: ['1'] }],
        detail: { $or: [{ c: { $or: orOf(10, 'd') } }, { e: { $or: orOf(10, 'f'), g: { $or: orOf(10, 'h') } } }] },
        x: { $or: orOf(5, 'i') },
      },
      'results in 1100 rule combinations',
    ],
  ])('%s', (_rule, pattern, reason) => {
    expect(() => validatePattern(pattern)).toThrow(InvalidEventPattern)
    expect(() => compilePattern(pattern)).toThrow(reason)
  })
})

function orOf(count: number, field: string): Json[] {
  return Array.from({ length: count }, (_, index) => ({ [field]: [String(index)] }))
}

describe('valid patterns', () => {
  it.each<[string, unknown]>([
    [
      "[syntax] the guide's EC2 state-change pattern",
      {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['terminated'] },
      },
    ],
    [
      '[syntax] the pattern as JSON text, as PutRule takes it',
      '{"source":["aws.s3"],"detail":{"bucket":{"name":["example-bucket"]}}}',
    ],
    [
      '[syntax] $or with exactly 1000 rule combinations (10 x 10 x 10)',
      { $or: orOf(10, 'a'), detail: { $or: orOf(10, 'b') }, x: { $or: orOf(10, 'c') } },
    ],
    ['[ruler] a field named like an operator outside $or is just a field', { detail: { prefix: ['x'], numeric: [1] } }],
    ['[ruler] an empty string prefix', { key: [{ prefix: '' }] }],
    ['[ruler] an empty wildcard', { key: [{ wildcard: '' }] }],
    [
      '[ruler] anything-but equals-ignore-case with an empty string',
      { key: [{ 'anything-but': { 'equals-ignore-case': '' } }] },
    ],
    ['[ruler] wildcard escapes \\* and \\\\', { key: [{ wildcard: '\\*\\\\*' }] }],
    ['[ruler] cidr with host bits set', { ip: [{ cidr: '10.0.0.5/24' }] }],
    [
      '[ruler] cidr /31 and IPv6 /127 are the longest masks',
      { ip: [{ cidr: '10.0.0.0/31' }, { cidr: '2001:db8::/127' }] },
    ],
    [
      '[operators] numeric with large and tiny bounds',
      { x: [{ numeric: ['>', -5e9, '<', 5e9] }, { numeric: ['=', 0.000033] }] },
    ],
    [
      '[operators] every operator in one field',
      {
        x: [
          'a',
          1,
          true,
          null,
          { prefix: 'a' },
          { suffix: 'b' },
          { 'equals-ignore-case': 'c' },
          { wildcard: 'd*' },
          { 'anything-but': 'e' },
          { numeric: ['<', 1] },
          { exists: true },
          { cidr: '10.0.0.0/8' },
        ],
      },
    ],
  ])('%s', (_rule, pattern) => {
    expect(() => validatePattern(pattern)).not.toThrow()
  })
})

describe('InvalidEventPattern', () => {
  it("is named and worded as EventBridge's InvalidEventPatternException, with where in the pattern", () => {
    const error = catchError(() => validatePattern({ detail: { object: { key: [{ prefix: 5 }] } } }))

    expect(error).toBeInstanceOf(InvalidEventPattern)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({
      name: 'InvalidEventPatternException',
      message:
        'Event pattern is not valid. Reason: prefix match pattern must be a string at detail.object.key[0].prefix',
      reason: 'prefix match pattern must be a string',
      path: 'detail.object.key[0].prefix',
    })
  })

  it('locates errors inside $or branches', () => {
    const error = catchError(() => validatePattern({ detail: { $or: [{ a: ['x'] }, { b: [] }] } }))

    expect(error).toMatchObject({ path: 'detail.$or[1].b', reason: 'Empty arrays are not allowed' })
  })

  it('has no location for the pattern as a whole', () => {
    expect(catchError(() => validatePattern({}))).toMatchObject({
      message: 'Event pattern is not valid. Reason: Empty objects are not allowed',
      path: '',
    })
  })
})

describe('compilePattern', () => {
  it('validates when compiling, not when matching', () => {
    expect(() => compilePattern({ source: [{ prefix: 5 }] })).toThrow(InvalidEventPattern)
  })

  it('reads nothing from the pattern after compiling it', () => {
    const pattern = { source: ['aws.s3'] as unknown[] }
    const matcher = compilePattern(pattern)
    pattern.source = []

    expect(matcher(s3())).toBe(true)
  })

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', '{"source":"aws.s3"}'],
    ['an array', [s3()]],
    ['undefined', undefined],
  ])('does not match an event that is not an object: %s', (_name, event) => {
    expect(compilePattern({ source: [{ exists: false }] })(event)).toBe(false)
  })

  it('matches many events with one compiled pattern', () => {
    const matcher = compilePattern(imageUploaded('example-bucket'))
    const events = Array.from({ length: 2000 }, (_, index) =>
      s3Key(index % 2 === 0 ? `uploads/${index}.jpg` : `thumbnails/${index}.jpg`),
    )

    expect(events.filter(matcher)).toHaveLength(1000)
  })
})

describe('matches', () => {
  it('compiles a pattern object once and reuses it', () => {
    const pattern: Json = { source: ['aws.s3'] }
    expect(matches(pattern, s3())).toBe(true)

    // Made invalid after the first call: the cached matcher is used, nothing is validated again.
    pattern.source = []
    expect(matches(pattern, s3())).toBe(true)
  })

  it('throws InvalidEventPattern for an invalid pattern', () => {
    expect(() => matches({ source: [] }, s3())).toThrow('Empty arrays are not allowed')
  })
})

function catchError(run: () => void): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('the filter dialect (pipes and Lambda event source mappings)', () => {
  // The "Pipe support" column of https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html;
  // pipes filter "in the same way as ... Lambda event source mapping" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html).
  const key = (id: string) => ({ dynamodb: { Keys: { userId: { S: id } } } })

  it.each<[string, unknown, string]>([
    ['anything-but with prefix', { userId: [{ 'anything-but': { prefix: 'username#' } }] }, 'anything-but with prefix'],
    ['anything-but with suffix', { file: [{ 'anything-but': { suffix: '.png' } }] }, 'anything-but with suffix'],
    [
      'anything-but with equals-ignore-case',
      { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      'anything-but with equals-ignore-case',
    ],
    [
      'anything-but with wildcard',
      { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      'anything-but with wildcard',
    ],
    ['wildcard', { path: [{ wildcard: '*/lib/*' }] }, 'wildcard'],
    ['wildcard inside $or', { $or: [{ a: ['x'] }, { path: [{ wildcard: 'a*' }] }] }, 'wildcard'],
  ])('refuses %s, which an event bus takes', (_name, pattern, operator) => {
    expect(() => validatePattern(pattern)).not.toThrow()
    expect(() => validatePattern(pattern, { dialect: 'filter' })).toThrow(
      expect.objectContaining({
        name: 'InvalidEventPatternException',
        reason: `${operator} is not supported in the filter of a pipe or an event source mapping`,
      }) as Error,
    )
  })

  it.each<[string, unknown, unknown, boolean]>([
    ['prefix on the key: a user', { dynamodb: { Keys: { userId: { S: [{ prefix: 'usr_' }] } } } }, key('usr_1'), true],
    [
      'prefix on the key: a reservation',
      { dynamodb: { Keys: { userId: { S: [{ prefix: 'usr_' }] } } } },
      key('username#ada'),
      false,
    ],
    ['anything-but with values', { eventName: [{ 'anything-but': ['INSERT'] }] }, { eventName: 'MODIFY' }, true],
    ['suffix', { name: [{ suffix: '.csv' }] }, { name: 'a.csv' }, true],
    ['prefix ignoring case', { name: [{ prefix: { 'equals-ignore-case': 'IMP' } }] }, { name: 'imports' }, true],
    ['equals-ignore-case', { name: [{ 'equals-ignore-case': 'ADA' }] }, { name: 'ada' }, true],
    ['numeric', { n: [{ numeric: ['>', 1] }] }, { n: 2 }, true],
    ['exists', { n: [{ exists: false }] }, { m: 1 }, true],
    ['cidr', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.7' }, true],
    ['$or', { $or: [{ a: ['x'] }, { b: ['y'] }] }, { b: 'y' }, true],
  ])('takes %s', (_name, pattern, record, expected) => {
    expect(compilePattern(pattern, { dialect: 'filter' })(record)).toBe(expected)
  })
})
