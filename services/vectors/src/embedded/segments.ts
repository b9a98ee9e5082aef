import { closeSync, fstatSync, openSync } from 'node:fs';
import { CytoclipError } from '@cytoclip/domain';
import type { PointPayload, SparseVector, VectorPoint } from '../types.js';
import { bytesOf, readAt, writeAtomic } from './files.js';

/**
 * A segment is one immutable file per write: header (magic, kind, count, dim), then for an upsert the f32 vectors
 * back to back, then a JSON block with the ids (and payloads, and the lexical vectors where any point has one: null for
 * a point without). Segments are never rewritten, so a crash can only
 * leave a whole segment that the manifest does not list yet, which the next open ignores.
 */
const MAGIC = 'CVSEG1\0\0';
const HEADER = 24;
export type SegmentKind = 'upsert' | 'delete';

export interface SegmentContent {
  kind: SegmentKind;
  ids: string[];
  payloads: PointPayload[];
  /** Aligned with `ids`; empty for segments without lexical vectors (written before they existed, or none had one). */
  lexical: (SparseVector | null)[];
  /** Byte offset of the first vector; vector i is at vectorOffset + i * dim * 4. */
  vectorOffset: number;
}

export function writeUpsertSegment(path: string, dim: number, points: VectorPoint[]): void {
  const vectors = new Float32Array(points.length * dim);
  points.forEach((point, i) => vectors.set(point.vector, i * dim));
  const lexical = points.some((p) => p.lexical) ? { lexical: points.map((p) => p.lexical ?? null) } : {};
  const json = JSON.stringify({ ids: points.map((p) => p.id), payloads: points.map((p) => p.payload), ...lexical });
  writeAtomic(path, [header('upsert', points.length, dim), bytesOf(vectors), Buffer.from(json)]);
}

export function writeDeleteSegment(path: string, ids: string[]): void {
  writeAtomic(path, [header('delete', ids.length, 0), Buffer.from(JSON.stringify({ ids }))]);
}

function header(kind: SegmentKind, count: number, dim: number): Uint8Array {
  const buffer = Buffer.alloc(HEADER);
  buffer.write(MAGIC, 0, 'latin1');
  buffer.writeUInt32LE(kind === 'upsert' ? 1 : 2, 8);
  buffer.writeUInt32LE(count, 12);
  buffer.writeUInt32LE(dim, 16);
  return buffer;
}

/** Reads a segment's ids and payloads, skipping its vectors (they are read on demand by offset). */
export function readSegment(path: string, dim: number): SegmentContent {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, HEADER, 0);
    if (head.toString('latin1', 0, 8) !== MAGIC) throw corrupt(path, 'bad magic');
    const kind: SegmentKind = head.readUInt32LE(8) === 1 ? 'upsert' : 'delete';
    const count = head.readUInt32LE(12);
    const vectorBytes = kind === 'upsert' ? count * dim * 4 : 0;
    if (kind === 'upsert' && head.readUInt32LE(16) !== dim) throw corrupt(path, 'dimension differs from the manifest');
    const jsonStart = HEADER + vectorBytes;
    const parsed = JSON.parse(readAt(fd, size - jsonStart, jsonStart).toString('utf8')) as {
      ids: string[];
      payloads?: PointPayload[];
      lexical?: (SparseVector | null)[];
    };
    if (parsed.ids.length !== count) throw corrupt(path, 'id count differs from header');
    return {
      kind,
      ids: parsed.ids,
      payloads: parsed.payloads ?? [],
      lexical: parsed.lexical ?? [],
      vectorOffset: HEADER,
    };
  } finally {
    closeSync(fd);
  }
}

function corrupt(path: string, why: string): CytoclipError {
  return new CytoclipError('corrupt_store', `vector segment ${path} is unreadable: ${why}`, { status: 500 });
}

/** All f32 vectors of an upsert segment, for quantizing them at open. */
export function readVectorBlock(path: string, count: number, dim: number): Float32Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = readAt(fd, count * dim * 4, HEADER);
    return new Float32Array(bytes.buffer, bytes.byteOffset, count * dim).slice();
  } finally {
    closeSync(fd);
  }
}

/** The f32 vectors [from, from + count) of an upsert segment, for compaction (one read for a segment's survivors). */
export function readVectorRange(path: string, from: number, count: number, dim: number): Float32Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = readAt(fd, count * dim * 4, HEADER + from * dim * 4);
    return new Float32Array(bytes.buffer, bytes.byteOffset, count * dim);
  } finally {
    closeSync(fd);
  }
}

/** Reads single f32 vectors by (segment, index) for exact rescoring, keeping segment files open. */
export class VectorReader {
  private readonly fds = new Map<string, number>();

  constructor(private readonly dim: number) {}

  read(path: string, index: number): Float32Array {
    let fd = this.fds.get(path);
    if (fd === undefined) {
      fd = openSync(path, 'r');
      this.fds.set(path, fd);
    }
    const bytes = readAt(fd, this.dim * 4, HEADER + index * this.dim * 4);
    return new Float32Array(bytes.buffer, bytes.byteOffset, this.dim);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
