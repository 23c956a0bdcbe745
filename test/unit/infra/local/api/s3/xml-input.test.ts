import { Either, Schema } from 'effect'
import { CompleteMultipartUploadBody } from '../../../../../../contracts/aws/s3'
import {
  expectRoot,
  fieldsOf,
  MalformedXml,
  parseXml,
  S3Namespace,
} from '../../../../../../infra/local/api/s3/xml-input'

/** A CompleteMultipartUpload body as an SDK writes it (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html). */
const sdkBody = `<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="${S3Namespace}">
  <Part><ETag>&quot;a54357aff0632cce46d942af68356b38&quot;</ETag><PartNumber>1</PartNumber></Part>
  <Part>
    <ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag>
    <PartNumber>2</PartNumber>
    <ChecksumCRC32>DUoRhQ==</ChecksumCRC32>
  </Part>
</CompleteMultipartUpload>`

const Fields = [
  'PartNumber',
  'ETag',
  'ChecksumCRC32',
  'ChecksumCRC32C',
  'ChecksumCRC64NVME',
  'ChecksumSHA1',
  'ChecksumSHA256',
]

/** The body as the endpoint reads it: parsed, shaped, decoded with the contract's schema. */
const readComplete = (text: string) => {
  const root = expectRoot(parseXml(text), 'CompleteMultipartUpload')
  const shaped = {
    Parts: root.children.map((child) => {
      if (child.name !== 'Part') throw new MalformedXml(child.name)
      return fieldsOf(child, Fields)
    }),
  }
  return Schema.decodeUnknownEither(CompleteMultipartUploadBody)(shaped, { onExcessProperty: 'error' })
}

describe('parseXml', () => {
  it('reads elements, attributes, text, entities, character references and CDATA', () => {
    const root = parseXml(
      `<?xml version="1.0"?><!-- a comment --><a x="1" y='&lt;2&gt;'>t&amp;&#65;&#x42;<b/><![CDATA[<raw>]]><c>d</c></a>`,
    )

    expect(root).toEqual({
      name: 'a',
      attributes: { x: '1', y: '<2>' },
      text: 't&AB<raw>',
      children: [
        { name: 'b', attributes: {}, children: [], text: '' },
        { name: 'c', attributes: {}, children: [], text: 'd' },
      ],
    })
  })

  it.each([
    ['an empty document', ''],
    ['text without a root', 'parts'],
    ['an unclosed element', '<a><b></b>'],
    ['a mismatched closing tag', '<a></b>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>text'],
    ['a DOCTYPE (entities, external references)', '<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'],
    ['an unknown entity', '<a>&e;</a>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['a "<" in an attribute', '<a x="<"/>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a repeated attribute', '<a x="1" x="2"/>'],
    ['a control character', '<a>\u0001</a>'],
    ['a reference to a control character', '<a>&#1;</a>'],
    ['a processing instruction inside', '<a><?php ?></a>'],
    ['a declaration after the start', ' <a/><?xml version="1.0"?>'],
    ['an unterminated comment', '<a><!-- </a>'],
    ['"]]>" in text', '<a>]]></a>'],
    ['elements nested too deep', `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`],
  ])('refuses %s', (_name, text) => {
    expect(() => parseXml(text)).toThrow(MalformedXml)
  })
})

describe('a CompleteMultipartUpload body', () => {
  it('decodes the parts an SDK sends, quotes and checksums kept', () => {
    const decoded = readComplete(sdkBody)

    expect(decoded).toEqual(
      Either.right({
        Parts: [
          { PartNumber: 1, ETag: '"a54357aff0632cce46d942af68356b38"' },
          { PartNumber: 2, ETag: '"0c78aef83f66abc1fa1e8477f296d394"', ChecksumCRC32: 'DUoRhQ==' },
        ],
      }),
    )
  })

  it.each([
    ['another root', '<Complete><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Complete>'],
    [
      'another namespace',
      '<CompleteMultipartUpload xmlns="urn:x"><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>',
    ],
    [
      'an unknown element in a part',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a</ETag><Size>1</Size></Part></CompleteMultipartUpload>',
    ],
    [
      'a repeated element in a part',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>',
    ],
    [
      'an element nested in a field',
      '<CompleteMultipartUpload><Part><PartNumber><n>1</n></PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>',
    ],
    [
      'text beside the parts',
      '<CompleteMultipartUpload>x<Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>',
    ],
    ['something other than a part', '<CompleteMultipartUpload><Object/></CompleteMultipartUpload>'],
  ])('refuses %s', (_name, text) => {
    expect(() => readComplete(text)).toThrow(MalformedXml)
  })

  it.each([
    ['no parts', '<CompleteMultipartUpload/>'],
    [
      'a part number that is not a number',
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>',
    ],
    [
      'a negative part number',
      '<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>',
    ],
    [
      'a part without an ETag',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
    ],
    ['a part without a number', '<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>'],
  ])('does not decode %s', (_name, text) => {
    expect(Either.isLeft(readComplete(text))).toBe(true)
  })
})
