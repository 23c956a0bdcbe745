import type { ImageFormat } from '../../../contracts/images'

/**
 * What the first bytes of an object say it is: one of the accepted {@link ImageFormat}s, or a short
 * description of something else (`'svg'`, `'pdf'`, `'text'`, `'unknown'`...) for the rejection reason.
 */
export type DetectedType = ImageFormat | (string & {})

const SupportedFormats: ReadonlySet<string> = new Set<ImageFormat>(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'])

/** Narrows a detection result to a format the image workflow accepts. */
export const isImageFormat = (detected: DetectedType): detected is ImageFormat => SupportedFormats.has(detected)

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)))

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte)

/** Binary signatures, checked in order; each names what the bytes are. */
const Signatures: ReadonlyArray<readonly [DetectedType, ReadonlyArray<number>]> = [
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['gif', [...'GIF87a'].map((c) => c.charCodeAt(0))],
  ['gif', [...'GIF89a'].map((c) => c.charCodeAt(0))],
  ['tiff', [0x49, 0x49, 0x2a, 0x00]], // "II*\0", little-endian
  ['tiff', [0x4d, 0x4d, 0x00, 0x2a]], // "MM\0*", big-endian
  ['pdf', [...'%PDF-'].map((c) => c.charCodeAt(0))],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip', [0x1f, 0x8b]],
]

/** Signatures too short to trust before ruling out text ("BMW..." is not a bitmap). */
const WeakSignatures: ReadonlyArray<readonly [DetectedType, ReadonlyArray<number>]> = [['bmp', [0x42, 0x4d]]]

/** RIFF container: WebP when its form type is `WEBP` (https://developers.google.com/speed/webp/docs/riff_container). */
const riff = (bytes: Uint8Array): DetectedType | undefined => {
  if (ascii(bytes, 0, 4) !== 'RIFF' || bytes.length < 12) return undefined
  return ascii(bytes, 8, 12) === 'WEBP' ? 'webp' : 'riff'
}

const HeicBrands = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'])

/**
 * ISO-BMFF `ftyp` box: AVIF when `avif` (still) or `avis` (sequence) is the major brand or any compatible brand,
 * since encoders may put `mif1` first (https://aomediacodec.github.io/av1-avif/#brands).
 */
const ftyp = (bytes: Uint8Array): DetectedType | undefined => {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined
  const boxSize = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
  // The box size is attacker-controlled: read brands from the first 256 bytes at most.
  const end = Math.min(Math.max(boxSize, 16), bytes.length, 256)
  const brands = [ascii(bytes, 8, 12)]
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(bytes, offset, offset + 4))
  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return 'avif'
  // HEIC is not AVIF: sharp's prebuilt libvips cannot decode HEVC, so name it for the rejection.
  if (brands.some((brand) => HeicBrands.has(brand))) return 'heic'
  return `ftyp:${brands[0].trim()}`
}

const Utf8Bom = [0xef, 0xbb, 0xbf]
const TextWindow = 1024

/** The window as UTF-8, or undefined when it is not UTF-8; `stream` tolerates a character cut at the window's end. */
const utf8 = (window: Uint8Array): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(window, { stream: true })
  } catch {
    return undefined
  }
}

/** Markup and text: SVG is rejected as well (a renderer, not a decoder, and a classic XXE/SSRF vector). */
const textual = (bytes: Uint8Array): DetectedType | undefined => {
  const start = startsWith(bytes, Utf8Bom) ? Utf8Bom.length : 0
  const window = bytes.subarray(start, start + TextWindow)
  // Control bytes other than tab, LF, FF and CR mean binary.
  const binary = window.some((byte) => byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d)
  if (binary) return undefined
  const head = utf8(window)?.trimStart().toLowerCase()
  if (head === undefined) return undefined
  if (!head.startsWith('<')) return 'text'
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'html'
  // An SVG may open with an XML declaration, a doctype or a comment before its root element.
  if (head.startsWith('<!doctype svg') || head.includes('<svg')) return 'svg'
  return head.startsWith('<?xml') ? 'xml' : 'text'
}

/**
 * Detects an object's type from its magic bytes only; a key's extension and a Content-Type header are chosen by
 * the uploader, so neither is trusted. Returns an {@link ImageFormat} for the accepted formats, otherwise a short
 * description: `'empty'`, `'svg'`, `'xml'`, `'html'`, `'text'`, `'pdf'`, `'heic'`, `'bmp'`, `'zip'`, `'gzip'`,
 * `'riff'`, `'ftyp:<brand>'` or `'unknown'`. Pure: it reads at most the first kilobyte.
 */
export const detectFormat = (bytes: Uint8Array): DetectedType => {
  if (bytes.length === 0) return 'empty'
  const signature = Signatures.find(([, magic]) => startsWith(bytes, magic))
  if (signature) return signature[0]
  return (
    riff(bytes) ??
    ftyp(bytes) ??
    textual(bytes) ??
    WeakSignatures.find(([, magic]) => startsWith(bytes, magic))?.[0] ??
    'unknown'
  )
}
