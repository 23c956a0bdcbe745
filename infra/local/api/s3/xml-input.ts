/**
 * A strict reader of the small XML documents S3 takes as request bodies (CompleteMultipartUpload, DeleteObjects):
 * well-formed XML 1.0 or nothing. No DOCTYPE (so no entities to expand and nothing external to fetch), no processing
 * instruction but the declaration, names matched exactly; anything else is S3's MalformedXML.
 */

/** An element: its name as written, its attributes, its child elements, and its text (character data and CDATA). */
export interface XmlNode {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly children: ReadonlyArray<XmlNode>
  readonly text: string
}

/** The document is not well-formed, or not of the shape the operation takes. */
export class MalformedXml extends Error {
  override readonly name = 'MalformedXml'
}

const NameStart = /[A-Za-z_:]/
const NameChar = /[-A-Za-z0-9_.:]/
/** Characters XML 1.0 allows (https://www.w3.org/TR/xml/#charsets); anything else makes the document malformed. */
// eslint-disable-next-line no-control-regex
const ForbiddenChar = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/
const MaxDepth = 32

const entities: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Parses one XML document into its root element; throws MalformedXml for anything not well-formed. */
export const parseXml = (source: string): XmlNode => {
  if (ForbiddenChar.test(source)) throw new MalformedXml('a character XML does not allow')
  let at = source.startsWith('\ufeff') ? 1 : 0
  const fail = (why: string): never => {
    throw new MalformedXml(`${why} at offset ${at}`)
  }
  const skipSpace = () => {
    while (at < source.length && ' \t\r\n'.includes(source[at]!)) at++
  }
  const expect = (text: string) => {
    if (!source.startsWith(text, at)) fail(`expected "${text}"`)
    at += text.length
  }
  const readName = (): string => {
    const start = at
    if (!NameStart.test(source[at] ?? '')) fail('expected a name')
    while (at < source.length && NameChar.test(source[at]!)) at++
    return source.slice(start, at)
  }
  const decode = (raw: string): string =>
    raw.replace(/&([^;&]*);|&/g, (match, ref: string | undefined) => {
      if (ref === undefined) return fail('an "&" that starts no reference')
      if (ref in entities) return entities[ref]!
      const code = /^#x([0-9a-fA-F]{1,6})$/.exec(ref)?.[1] ?? /^#([0-9]{1,7})$/.exec(ref)?.[1]
      if (code === undefined) return fail(`an unknown entity "${match}"`)
      const point = Number.parseInt(code, ref.startsWith('#x') ? 16 : 10)
      const char = point <= 0x10ffff ? String.fromCodePoint(point) : ''
      if (char === '' || ForbiddenChar.test(char) || (point >= 0xd800 && point <= 0xdfff))
        return fail(`a character reference XML does not allow "${match}"`)
      return char
    })
  const skipComment = () => {
    expect('<!--')
    const end = source.indexOf('-->', at)
    if (end < 0) fail('an unterminated comment')
    if (source.slice(at, end).includes('--')) fail('"--" inside a comment')
    at = end + 3
  }
  /** Whitespace and comments, where the prolog and the epilog allow them. */
  const skipMisc = () => {
    for (;;) {
      skipSpace()
      if (source.startsWith('<!--', at)) skipComment()
      else return
    }
  }

  const readElement = (depth: number): XmlNode => {
    if (depth > MaxDepth) fail('elements nested too deep')
    expect('<')
    const name = readName()
    const attributes: Record<string, string> = {}
    for (;;) {
      const before = at
      skipSpace()
      if (source.startsWith('/>', at)) {
        at += 2
        return { name, attributes, children: [], text: '' }
      }
      if (source[at] === '>') {
        at++
        break
      }
      if (at === before) fail('expected whitespace before an attribute')
      const attribute = readName()
      skipSpace()
      expect('=')
      skipSpace()
      const quote = source[at]
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value')
      const end = source.indexOf(quote!, at + 1)
      if (end < 0) fail('an unterminated attribute value')
      const raw = source.slice(at + 1, end)
      if (raw.includes('<')) fail('"<" in an attribute value')
      if (attribute in attributes) fail(`a repeated attribute "${attribute}"`)
      attributes[attribute] = decode(raw)
      at = end + 1
    }
    const children: XmlNode[] = []
    let text = ''
    for (;;) {
      if (at >= source.length) fail(`an unclosed element "${name}"`)
      if (source.startsWith('</', at)) {
        at += 2
        if (readName() !== name) fail(`a closing tag that does not match "${name}"`)
        skipSpace()
        expect('>')
        return { name, attributes, children, text }
      }
      if (source.startsWith('<!--', at)) skipComment()
      else if (source.startsWith('<![CDATA[', at)) {
        const end = source.indexOf(']]>', at)
        if (end < 0) fail('an unterminated CDATA section')
        text += source.slice(at + 9, end)
        at = end + 3
      } else if (source.startsWith('<!', at) || source.startsWith('<?', at)) fail('a declaration inside an element')
      else if (source[at] === '<') children.push(readElement(depth + 1))
      else {
        const end = source.indexOf('<', at)
        const raw = source.slice(at, end < 0 ? source.length : end)
        if (raw.includes(']]>')) fail('"]]>" in character data')
        text += decode(raw)
        at += raw.length
      }
    }
  }

  if (source.startsWith('<?xml', at)) {
    const end = source.indexOf('?>', at)
    if (end < 0) fail('an unterminated XML declaration')
    if (
      !/^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])[A-Za-z][-A-Za-z0-9._]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/.test(
        source.slice(at, end),
      )
    )
      fail('a malformed XML declaration')
    at = end + 2
  }
  skipMisc()
  if (source.startsWith('<!DOCTYPE', at)) fail('a DOCTYPE, which S3 bodies never have')
  if (source[at] !== '<' || source.startsWith('<?', at) || source.startsWith('<!', at))
    fail('expected the root element')
  const root = readElement(1)
  skipMisc()
  if (at < source.length) fail('content after the root element')
  return root
}

/** The S3 namespace its documents use; a root may carry it or no namespace at all. */
export const S3Namespace = 'http://s3.amazonaws.com/doc/2006-03-01/'

/** Checks the root's name and namespace, and that it holds only elements (whitespace between them). */
export const expectRoot = (root: XmlNode, name: string): XmlNode => {
  if (root.name !== name) throw new MalformedXml(`the root element is "${root.name}", not "${name}"`)
  for (const [attribute, value] of Object.entries(root.attributes))
    if (attribute !== 'xmlns' || value !== S3Namespace) throw new MalformedXml(`an unexpected attribute "${attribute}"`)
  if (root.text.trim() !== '') throw new MalformedXml(`text directly inside "${name}"`)
  return root
}

/**
 * An element of simple fields (`<Part><PartNumber>1</PartNumber><ETag>…</ETag></Part>`) as a record of their texts:
 * each field a known name, at most once, with text only. What the schema then decodes.
 */
export const fieldsOf = (node: XmlNode, known: ReadonlyArray<string>): Record<string, string> => {
  if (node.text.trim() !== '') throw new MalformedXml(`text directly inside "${node.name}"`)
  if (Object.keys(node.attributes).length > 0) throw new MalformedXml(`attributes on "${node.name}"`)
  const fields: Record<string, string> = {}
  for (const child of node.children) {
    if (!known.includes(child.name)) throw new MalformedXml(`an unexpected element "${child.name}" in "${node.name}"`)
    if (child.name in fields) throw new MalformedXml(`a repeated element "${child.name}" in "${node.name}"`)
    if (child.children.length > 0 || Object.keys(child.attributes).length > 0)
      throw new MalformedXml(`"${child.name}" holds more than text`)
    fields[child.name] = child.text
  }
  return fields
}
