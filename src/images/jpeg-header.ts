/**
 * Reads a JPEG's size and EXIF orientation straight from its marker segments, without libvips.
 *
 * Why: decoding needs the original (oriented) size before it starts, to plan the crop and to refuse
 * decompression bombs. Asking sharp for it costs a libvips open and a thread-pool round trip,
 * 10–20% of the whole decode of a 256×256 JPEG; walking a few marker segments here is
 * near-free. Anything unexpected returns undefined and the caller falls back to sharp.
 */

/** Size as stored in the file and the EXIF orientation (1 when absent). */
export interface JpegHeader {
  readonly width: number;
  readonly height: number;
  readonly orientation: number;
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); not DHT (C4), JPG (C8), DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Parses the header of a JPEG in `bytes`, or returns undefined when it is not one we can read. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let orientation: number | undefined; // set once an Exif segment has been read
  let frame: { width: number; height: number } | undefined;
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1] as number;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    // Stand-alone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    // libjpeg reads every marker up to the first scan (SOS), so an Exif block after the frame
    // header still counts: only stop there.
    if (marker === 0xda) return frame && { ...frame, orientation: orientation ?? 1 };
    if (marker === 0xd9) return undefined;
    const length = view.getUint16(pos + 2);
    const body = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > bytes.length) return undefined;
    if (marker === 0xe1 && isExif(view, body, end)) {
      // A second Exif block, or one we cannot read: let libvips decide rather than guess.
      if (orientation !== undefined) return undefined;
      const found = exifOrientation(view, body, end);
      if (found === 'invalid') return undefined;
      orientation = found ?? 1;
    }
    if (isStartOfFrame(marker)) {
      if (length < 7 || frame) return undefined;
      const height = view.getUint16(body + 1);
      const width = view.getUint16(body + 3);
      // Height 0 means "given later by a DNL marker": leave such rarities to libvips.
      if (width === 0 || height === 0) return undefined;
      frame = { width, height };
    }
    pos = end;
  }
  return undefined;
}

function isExif(view: DataView, start: number, end: number): boolean {
  return end - start >= 6 && view.getUint32(start) === 0x45786966 && view.getUint16(start + 4) === 0; // "Exif\0\0"
}

/**
 * The Orientation tag (0x0112) of IFD0 in an APP1 Exif segment: 1..8, undefined when the tag is
 * absent, 'invalid' when the block is malformed or the value out of range.
 */
function exifOrientation(view: DataView, start: number, end: number): number | undefined | 'invalid' {
  const tiff = start + 6;
  if (tiff + 8 > end) return 'invalid';
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 'invalid';
  const little = order === 0x4949;
  if (view.getUint16(tiff + 2, little) !== 42) return 'invalid';
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 'invalid';
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 'invalid';
    if (view.getUint16(entry, little) !== 0x0112) continue;
    // SHORT (type 3), one value, stored left-aligned in the 4-byte value field.
    if (view.getUint16(entry + 2, little) !== 3) return 'invalid';
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 'invalid';
  }
  return undefined;
}
