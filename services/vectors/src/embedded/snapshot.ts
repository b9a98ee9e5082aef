import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesOf, writeAtomic } from './files.js';
import type { SparseVector } from '../types.js';
import { NO_DOC } from './lexical-docs.js';
import type { RegionEntry, SectionFields } from './matcher.js';
import { Rows } from './rows.js';

/**
 * `rows.bin`: the rows' metadata as of the last checkpoint, so a reopen reads a few typed arrays instead of replaying
 * every segment's JSON. Layout (little-endian): magic `CVROWS2`, then u32 rows, segments covered, dim, JSON bytes,
 * id bytes; the JSON (`{ lastSegment, sections, regions, docs }`, docs being the distinct lexical vectors, padded to
 * 4 bytes); u32 columns sectionOf, regionOf, segmentOf, indexInSegment, docOf and the end offset of each id; one alive
 * byte a row (padded to 4); the ids (latin1: they are UUIDs; dead rows' ids are left empty). A `CVROWS1` file (before
 * lexical vectors: no docs, no docOf column) is still read. A cache like `ivf.bin`: written atomically after the segments it covers
 * are listed, and trusted only when the manifest still lists the same segments first; the segments after it are
 * replayed.
 */
const MAGIC = 'CVROWS2\0';
const MAGIC_V1 = 'CVROWS1\0';
const HEADER = 28;
export const SNAPSHOT_FILE = 'rows.bin';

interface Meta {
  lastSegment: string;
  sections: SectionFields[];
  regions: RegionEntry[];
  docs?: SparseVector[];
}

export function saveSnapshot(dir: string, rows: Rows, segments: string[]): void {
  const n = rows.size;
  const meta: Meta = {
    lastSegment: segments[segments.length - 1] ?? '',
    sections: rows.sections.map((s) => s.fields),
    regions: rows.regions,
    docs: rows.lexical.docs.map((d) => d.vector),
  };
  const json = padded(Buffer.from(JSON.stringify(meta)));
  const ends = new Uint32Array(n);
  let total = 0;
  const alive = rows.alive.view();
  const kept = rows.ids.map((id, row) => (alive[row] ? id : ''));
  kept.forEach((id, row) => (ends[row] = total += id.length));
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  [n, segments.length, rows.dim, json.length, total].forEach((value, i) => header.writeUInt32LE(value, 8 + 4 * i));
  const columns = [rows.sectionOf, rows.regionOf, rows.segmentOf, rows.indexInSegment, rows.docOf].map((c) =>
    bytesOf(c.view()),
  );
  const aliveBytes = padded(Buffer.from(bytesOf(alive)));
  writeAtomic(join(dir, SNAPSHOT_FILE), [
    header,
    json,
    ...columns,
    bytesOf(ends),
    aliveBytes,
    Buffer.from(kept.join(''), 'latin1'),
  ]);
}

/** The rows of the first `segments` segments, or null when there is no snapshot or it does not match the manifest. */
export function loadSnapshot(dir: string, dim: number, segments: string[]): { rows: Rows; segments: number } | null {
  const path = join(dir, SNAPSHOT_FILE);
  if (!existsSync(path)) return null;
  const file = readFileSync(path);
  const magic = file.length < HEADER ? '' : file.toString('latin1', 0, 8);
  if (magic !== MAGIC && magic !== MAGIC_V1) return null;
  const columnCount = magic === MAGIC ? 6 : 5;
  const [n, covered, savedDim, jsonBytes, idBytes] = [0, 1, 2, 3, 4].map((i) => file.readUInt32LE(8 + 4 * i)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const aliveBytes = Math.ceil(n / 4) * 4;
  if (
    savedDim !== dim ||
    covered > segments.length ||
    file.length !== HEADER + jsonBytes + columnCount * 4 * n + aliveBytes + idBytes
  )
    return null;
  const meta = JSON.parse(file.toString('utf8', HEADER, HEADER + jsonBytes).trimEnd()) as Meta;
  if ((segments[covered - 1] ?? '') !== meta.lastSegment) return null;
  let at = HEADER + jsonBytes;
  const u32 = () => new Uint32Array(file.buffer.slice(file.byteOffset + at, file.byteOffset + (at += 4 * n)));
  const [sectionOf, regionOf, segmentOf, indexInSegment] = [u32(), u32(), u32(), u32()];
  const docOf = columnCount === 6 ? u32() : null;
  const ends = u32();
  const alive = new Uint8Array(file.buffer.slice(file.byteOffset + at, file.byteOffset + at + n));
  at += aliveBytes;
  const rows = new Rows(dim);
  meta.sections.forEach((fields) => rows.sectionKeyIndex(fields));
  meta.regions.forEach((entry) => rows.regionKeyIndex(entry));
  (meta.docs ?? []).forEach((vector) => rows.lexical.intern(vector));
  let start = 0;
  for (let row = 0; row < n; row++) {
    const id = file.toString('latin1', at + start, at + ends[row]!);
    start = ends[row]!;
    const doc = docOf ? docOf[row]! : NO_DOC;
    rows.append(id, sectionOf[row]!, regionOf[row]!, segmentOf[row]!, indexInSegment[row]!, alive[row] === 1, doc);
  }
  return { rows, segments: covered };
}

/** Pads with spaces (JSON ignores them) or zeros to a multiple of 4 bytes, so the u32 columns that follow stay aligned. */
function padded(bytes: Buffer): Buffer {
  const pad = (4 - (bytes.length % 4)) % 4;
  return pad === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(pad, bytes[0] === 0x7b ? 0x20 : 0)]);
}
