/**
 * Whether a JPEG's marker structure runs from SOI to an EOI marker: every segment whole, every scan's entropy-coded
 * data followed by a marker, and an EOI before the bytes run out (ITU-T T.81, annex B). Pure and cheap: it reads
 * the bytes once and decodes nothing.
 *
 * Why it exists: a decode at reduced scale (shrink-on-load) reads the entropy-coded data of every MCU row but the
 * last, then stops, because the scaled-down rows it needs are complete; a file cut inside its last MCU row or just
 * before its EOI would pass it. A full-size decode notices those cuts, and this check notices them without one.
 * Bytes after the EOI (camera trailers) are ignored, as a decoder ignores them.
 */
export const jpegReachesEnd = (bytes: Uint8Array): boolean => {
  const SOI = 0xd8
  const EOI = 0xd9
  const SOS = 0xda
  const isRestart = (marker: number): boolean => marker >= 0xd0 && marker <= 0xd7
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return false
  let at = 2
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return false
    // Any number of 0xFF fill bytes may precede a marker.
    while (at < bytes.length && bytes[at] === 0xff) at++
    if (at >= bytes.length) return false
    const marker = bytes[at]!
    at++
    if (marker === EOI) return true
    if (isRestart(marker) || marker === 0x01) continue
    if (at + 2 > bytes.length) return false
    const length = (bytes[at]! << 8) | bytes[at + 1]!
    if (length < 2 || at + length > bytes.length) return false
    at += length
    if (marker !== SOS) continue
    // Entropy-coded data: a 0xFF in it is always followed by a stuffed 0x00 or a restart marker, so the first 0xFF
    // followed by anything else starts the next marker segment.
    for (;;) {
      const ff = bytes.indexOf(0xff, at)
      if (ff < 0 || ff + 1 >= bytes.length) return false
      const next = bytes[ff + 1]!
      if (next === 0x00 || isRestart(next)) {
        at = ff + 2
        continue
      }
      at = ff
      break
    }
  }
  return false
}
