/**
 * The first IFD's ImageDescription (tag 270) of a TIFF or BigTIFF, where OME-TIFF keeps its OME-XML (and so the
 * pixel size). sharp's metadata does not expose it. Returns null for anything else or a malformed file: the caller
 * then falls back to the resolution tags, never fails the upload over it.
 */
export function readTiffDescription(bytes: Buffer): string | null {
  try {
    return description(bytes);
  } catch {
    return null;
  }
}

const IMAGE_DESCRIPTION = 270;
const ASCII = 2;

function description(b: Buffer): string | null {
  if (b.length < 16) return null;
  const little = b.toString('latin1', 0, 2) === 'II';
  if (!little && b.toString('latin1', 0, 2) !== 'MM') return null;
  const u16 = (o: number) => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (o: number) => Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const magic = u16(2);
  if (magic !== 42 && magic !== 43) return null;
  const big = magic === 43;
  const ifd = big ? u64(8) : u32(4);
  const count = big ? u64(ifd) : u16(ifd);
  const first = ifd + (big ? 8 : 2);
  const entry = big ? 20 : 12;
  for (let i = 0; i < count && i < 4096; i++) {
    const at = first + i * entry;
    if (u16(at) !== IMAGE_DESCRIPTION || u16(at + 2) !== ASCII) continue;
    const n = big ? u64(at + 4) : u32(at + 4);
    const inline = big ? 8 : 4;
    const start = n <= inline ? at + (big ? 12 : 8) : big ? u64(at + 12) : u32(at + 8);
    if (start + n > b.length) return null;
    return b.toString('utf8', start, start + n).replace(/\0+$/, '');
  }
  return null;
}
