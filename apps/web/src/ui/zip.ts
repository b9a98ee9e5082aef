/**
 * A minimal ZIP writer (stored entries, no compression) for the browser: the per-section GeoJSON export bundles its
 * files with it. No zip library in the repository runs in a browser (adm-zip needs Node's fs and Buffer), and
 * GeoJSON of a few sections is small enough that storing beats shipping a deflate implementation in the bundle.
 */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array<ArrayBuffer>;
}

/** The archive's bytes: a local header and the data per entry, then the central directory and its end record. */
export function zipStore(entries: ZipEntry[]): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const crc = crc32(entry.data);
    const local = header(30, name, (v) => {
      v.setUint32(0, 0x04034b50, true);
      v.setUint16(4, 20, true); // version needed: 2.0
      v.setUint16(6, 0x0800, true); // UTF-8 names
      common(v, 8, crc, entry.data.length, name.length);
    });
    const record = header(46, name, (v) => {
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(6, 20, true);
      v.setUint16(8, 0x0800, true);
      common(v, 10, crc, entry.data.length, name.length);
      v.setUint32(42, offset, true);
    });
    parts.push(local, entry.data);
    central.push(record);
    offset += local.length + entry.data.length;
  }
  const size = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const v = new DataView(end.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, entries.length, true);
  v.setUint16(10, entries.length, true);
  v.setUint32(12, size, true);
  v.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

/** Method 0 (stored), a fixed DOS time (1980-01-01), CRC, sizes and the name's length, from `at` on. */
function common(v: DataView, at: number, crc: number, size: number, nameLength: number) {
  v.setUint16(at, 0, true);
  v.setUint16(at + 2, 0, true);
  v.setUint16(at + 4, 0x21, true);
  v.setUint32(at + 6, crc, true);
  v.setUint32(at + 10, size, true);
  v.setUint32(at + 14, size, true);
  v.setUint16(at + 18, nameLength, true);
}

function header(size: number, name: Uint8Array, fill: (v: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(size + name.length);
  fill(new DataView(bytes.buffer));
  bytes.set(name, size);
  return bytes;
}

function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
