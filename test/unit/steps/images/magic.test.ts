import { detectFormat, isImageFormat } from '../../../../steps/images/validate/magic'
import { animatedGif, avif, jpeg, pngWithAlpha, svg, textFile, tiff, webp } from '../../../support/images'

const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number>>): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'latin1')] : [...part])))

/** An ISO-BMFF `ftyp` box: size, `ftyp`, major brand, minor version, compatible brands. */
const ftypBox = (major: string, compatible: ReadonlyArray<string>): Uint8Array => {
  const size = 16 + 4 * compatible.length
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], compatible.join(''), [0, 0, 0, 8], 'meta')
}

describe('detectFormat', () => {
  it.each([
    ['a JPEG from sharp', () => jpeg(16, 16), 'jpeg'],
    ['a PNG from sharp', () => pngWithAlpha(16, 16), 'png'],
    ['an animated GIF89a from sharp', () => animatedGif(16, 16, 2), 'gif'],
    ['a WebP from sharp', () => webp(16, 16), 'webp'],
    ['an AVIF from sharp', () => avif(16, 16), 'avif'],
    ['a little-endian TIFF from sharp', () => tiff(16, 16), 'tiff'],
  ])('detects %s', async (_name, make, expected) => {
    // Prepare
    const image = await make()

    // Act
    const detected = detectFormat(image)

    // Assess
    expect(detected).toBe(expected)
    expect(isImageFormat(detected)).toBe(true)
  })

  it.each([
    ['JPEG signature FF D8 FF', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'jpeg'],
    ['GIF87a', bytes('GIF87a', [1, 0, 1, 0]), 'gif'],
    ['GIF89a', bytes('GIF89a', [1, 0, 1, 0]), 'gif'],
    ['big-endian TIFF MM\\0*', bytes([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]), 'tiff'],
    ['RIFF....WEBP', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), 'webp'],
    ['AVIF with major brand avif', ftypBox('avif', ['mif1', 'miaf']), 'avif'],
    ['AVIF sequence with major brand avis', ftypBox('avis', ['msf1']), 'avif'],
    ['AVIF with major brand mif1 and compatible brand avif', ftypBox('mif1', ['miaf', 'avif']), 'avif'],
    ['HEIC (not AVIF)', ftypBox('heic', ['mif1', 'heic']), 'heic'],
    ['an MP4 video', ftypBox('isom', ['iso2', 'mp41']), 'ftyp:isom'],
    ['a bare SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg'],
    ['an SVG after a UTF-8 BOM and whitespace', bytes([0xef, 0xbb, 0xbf], ' \r\n\t<svg width="1"/>'), 'svg'],
    ['an SVG with an XML declaration', svg(), 'svg'],
    ['an SVG behind a doctype', bytes('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN">\n<svg/>'), 'svg'],
    ['XML that is not SVG', bytes('<?xml version="1.0"?><note>hi</note>'), 'xml'],
    ['HTML with an inline SVG', bytes('<!DOCTYPE html><html><body><svg/></body></html>'), 'html'],
    ['a PDF', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'), 'pdf'],
    ['plain text', textFile(), 'text'],
    ['text that starts like a bitmap', bytes('BMW 320i, 2019\n'), 'text'],
    ['a BMP', bytes('BM', [0x3e, 0, 0, 0, 0, 0, 0, 0, 0x3e, 0, 0, 0]), 'bmp'],
    ['a ZIP', bytes('PK', [3, 4, 20, 0]), 'zip'],
    ['a RIFF WAVE', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '), 'riff'],
    ['two bytes of a JPEG', bytes([0xff, 0xd8]), 'unknown'],
    ['random binary', bytes([0x00, 0x01, 0x02, 0xfe, 0x10, 0x80]), 'unknown'],
    ['zero bytes', new Uint8Array(0), 'empty'],
  ])('calls %s', (_name, input, expected) => {
    // Act
    const detected = detectFormat(input)

    // Assess
    expect(detected).toBe(expected)
  })

  it.each(['svg', 'xml', 'html', 'text', 'pdf', 'heic', 'unknown', 'empty'])(
    'does not accept %p as an image format',
    (detected) => {
      // Act, Assess
      expect(isImageFormat(detected)).toBe(false)
    },
  )

  it('reads a Buffer view with a non-zero byte offset', () => {
    // Prepare: a Buffer slice shares a larger ArrayBuffer, which the ftyp box size must not be read from.
    const pool = Buffer.concat([Buffer.from('garbage!'), Buffer.from(ftypBox('mif1', ['avif']))])
    const view = pool.subarray(8)

    // Act
    const detected = detectFormat(view)

    // Assess
    expect(detected).toBe('avif')
  })
})
