import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PointPayload, SparseVector, VectorPoint } from '../types.js';
import { Lists } from './lists.js';
import type { Manifest } from './manifest.js';
import { Rows } from './rows.js';
import { readVectorRange, writeUpsertSegment } from './segments.js';

/** Points per segment written by a compaction: ~32 MB of f32 at 256-d, one fsync each. */
export const COMPACT_SEGMENT_POINTS = 32_768;

/** What a compaction wrote beside the old files, not yet listed in the manifest (so a crash discards it). */
export interface CompactedSet {
  segments: string[];
  nextSegment: number;
  /** The live rows renumbered 0…n-1 in their old order, each pointing into the new segments. */
  rows: Rows;
  /** The same int8 vectors, in the same IVF lists as before, under the new row numbers. */
  lists: Lists;
  /** The new int8 cache, fsynced under a temp name (`.tmp-`: an open removes it if the switch never happened). */
  quantizedTemp: string;
}

interface Pending {
  points: VectorPoint[];
  lexical: (SparseVector | undefined)[];
  oldRows: number[];
}

/**
 * Writes every live point again, in row order, into new segments of `segmentPoints` points (f32 vectors read once
 * per old segment, by range), and builds the rows, lists and int8 cache that describe them. Row order is kept, so
 * partitions stay long ranges and every list stays row-ordered.
 */
export function writeCompacted(
  dir: string,
  manifest: Manifest,
  rows: Rows,
  lists: Lists,
  segmentPoints = COMPACT_SEGMENT_POINTS,
  written: () => void = () => {},
): CompactedSet {
  const { dim } = manifest;
  const indexed = lists.chunks.length > 1;
  const out: CompactedSet = {
    segments: [],
    nextSegment: manifest.nextSegment,
    rows: new Rows(dim),
    lists: new Lists(dim, lists.chunks.length),
    quantizedTemp: join(dir, `quantized.i8.tmp-compact-${process.pid}`),
  };
  const counts = new Uint32Array(lists.chunks.length);
  for (let row = 0; row < rows.size; row++) if (rows.isAlive(row)) counts[indexed ? lists.listOf.data[row]! : 0]!++;
  out.lists.reserve(counts);
  const fd = openSync(out.quantizedTemp, 'w');
  try {
    let pending: Pending = { points: [], lexical: [], oldRows: [] };
    const flush = () => {
      writeBatch(dir, out, pending, lists, indexed, fd);
      written();
      pending = { points: [], lexical: [], oldRows: [] };
    };
    for (const run of liveRuns(rows, segmentPoints)) {
      const segment = manifest.segments[run.segment]!;
      const first = rows.indexInSegment.data[run.rows[0]!]!;
      const span = rows.indexInSegment.data[run.rows[run.rows.length - 1]!]! - first + 1;
      const vectors = readVectorRange(join(dir, segment), first, span, dim);
      for (const row of run.rows) {
        const at = (rows.indexInSegment.data[row]! - first) * dim;
        const payload: PointPayload = rows.payload(row);
        pending.points.push({ id: rows.ids[row]!, vector: vectors.subarray(at, at + dim), payload });
        pending.lexical.push(rows.lexicalOf(row));
        pending.oldRows.push(row);
        if (pending.points.length === segmentPoints) flush();
      }
    }
    if (pending.points.length > 0) flush();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return out;
}

/** One new segment (durable, unlisted), its rows, and their int8 vectors appended to the lists and the cache. */
function writeBatch(dir: string, out: CompactedSet, batch: Pending, lists: Lists, indexed: boolean, fd: number): void {
  const file = `seg-${String(out.nextSegment).padStart(8, '0')}.bin`;
  const points = batch.points.map((p, i) => (batch.lexical[i] ? { ...p, lexical: batch.lexical[i] } : p));
  writeUpsertSegment(join(dir, file), out.rows.dim, points);
  const start = out.rows.appendMeta(
    out.segments.length,
    points.map((p) => p.id),
    points.map((p) => p.payload),
    batch.lexical,
  );
  out.segments.push(file);
  out.nextSegment++;
  const dim = out.rows.dim;
  const quantized = new Int8Array(batch.oldRows.length * dim);
  batch.oldRows.forEach((old, i) => quantized.set(lists.vector(old), i * dim));
  batch.oldRows.forEach((old, i) =>
    out.lists.add(start + i, indexed ? lists.listOf.data[old]! : 0, quantized, i * dim),
  );
  const bytes = new Uint8Array(quantized.buffer);
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** The live rows grouped by the segment holding them (a segment's rows are consecutive), at most `most` a run. */
function* liveRuns(rows: Rows, most: number): Generator<{ segment: number; rows: number[] }> {
  let run: { segment: number; rows: number[] } | null = null;
  for (let row = 0; row < rows.size; row++) {
    if (!rows.isAlive(row)) continue;
    const segment = rows.segmentOf.data[row]!;
    if (run && (run.segment !== segment || run.rows.length === most)) {
      yield run;
      run = null;
    }
    run ??= { segment, rows: [] };
    run.rows.push(row);
  }
  if (run) yield run;
}
