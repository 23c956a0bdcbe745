/** XML for the S3 and query protocols: element text escaped, a tree written from plain values. */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char]!)

/** A value of an XML tree: text, a number or boolean, a nested element map, or a list of repeated elements. */
export type XmlValue = string | number | boolean | undefined | XmlElements | ReadonlyArray<XmlElements | string>
export interface XmlElements {
  readonly [name: string]: XmlValue
}

/**
 * Writes `elements` as XML: `{Key: 'a', Size: 1}` → `<Key>a</Key><Size>1</Size>`; a list repeats its element
 * (`{Contents: [{...}, {...}]}` → two `<Contents>`); undefined leaves the element out.
 */
export const xmlElements = (elements: XmlElements): string =>
  Object.entries(elements)
    .map(([name, value]) => xmlElement(name, value))
    .join('')

const xmlElement = (name: string, value: XmlValue): string => {
  if (value === undefined) return ''
  if (Array.isArray(value)) return value.map((item) => xmlElement(name, item as XmlValue)).join('')
  if (typeof value === 'object') return `<${name}>${xmlElements(value as XmlElements)}</${name}>`
  return `<${name}>${escapeXml(String(value))}</${name}>`
}

/** A whole document: the declaration and one root element, with its namespace. */
export const xmlDocument = (root: string, namespace: string | undefined, elements: XmlElements): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${namespace ? ` xmlns="${namespace}"` : ''}>${xmlElements(elements)}</${root}>`
